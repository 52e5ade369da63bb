"""Shared fixtures: tiny REACT-layout datasets written into tmp folders, and the shared reference."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from react_bench.constants import ATTRIBUTE_NAMES

REPO = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = REPO.parent / "shared" / "reference"

os.environ.setdefault("OMP_NUM_THREADS", "2")

# Pinned prediction hashes were measured with torch 2.14.1's x86-64 AVX2 kernels: another torch or
# another CPU family computes other last bits, so there a pin is skipped, not failed.
PINNED_TORCH = "2.14.1"


def skip_unless_pinned_numerics():
    """pytest mark: skip a hash pin where its numerics cannot be reproduced."""
    import platform

    import torch

    base = torch.__version__.split("+")[0]
    reason = None
    if platform.machine().lower() not in ("x86_64", "amd64") or \
            torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512"):
        reason = "the pins were measured with x86-64 AVX2 kernels"
    elif base != PINNED_TORCH:
        reason = f"the pins were measured with torch {PINNED_TORCH}, this is {base}"
    return pytest.mark.skipif(reason is not None, reason=reason or "")


class Killed(Exception):
    """Raised from ``on_epoch_end`` to stop a fit the way a kill would (after a checkpoint)."""


def fit_killed_after(method, train, run_dir: Path, epoch: int, seed: int, device: str = "cpu") -> None:
    """Fit ``method`` on ``train`` and stop it right after epoch ``epoch`` is checkpointed; the
    resume tests then continue it from ``run_dir``."""
    def kill(done: int, record: dict) -> None:
        if done == epoch:
            raise Killed

    with pytest.raises(Killed):
        method.fit(train, None, seed=seed, device=device, run_dir=run_dir, on_epoch_end=kill)


def run_with_avx2_numerics(code: str, *args: str, timeout: int = 600) -> str:
    """Run ``code`` (python -c, with tests/ on sys.path and ``args`` as sys.argv[1:]) in a fresh
    process under AVX2_NUMERICS; its stdout. A failure fails the calling test with the stderr."""
    import subprocess
    import sys

    from react_bench.methods.config import AVX2_NUMERICS

    done = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                           + code, *args], env={**os.environ, **AVX2_NUMERICS},
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def write_emotion_csv(file: Path, values: np.ndarray) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    header = ",".join(ATTRIBUTE_NAMES)
    np.savetxt(file, values, delimiter=",", header=header, comments="", fmt="%.6g")


def write_tiny_dataset(root: Path, pairs: list[tuple[str, str]], split: str = "test", *, rows: int = 751,
                       video_dim: int = 6, audio_dim: int = 4, seed: int = 0, matrix: bool = True) -> Path:
    """A REACT-layout split whose person k's attributes are a recognisable function of k."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    lines = [",speaker_path,listener_path"] + [f"{i},{s},{listener}" for i, (s, listener) in enumerate(pairs)]
    (root / f"{split}.csv").write_text("\n".join(lines) + "\n")
    people = [s for s, _ in pairs] + [listener for _, listener in pairs]
    for k, person in enumerate(people):
        values = rng.random((rows, 25))
        values[:, 0] = k  # person id in column 0 lets tests check the order
        write_emotion_csv(root / split / "Emotion" / f"{person}.csv", values)
        for modality, dim in (("Video", video_dim), ("Audio", audio_dim)):
            file = root / split / f"{modality}_features" / f"{person}.npy"
            file.parent.mkdir(parents=True, exist_ok=True)
            np.save(file, np.full((751, dim), k, np.float32))
    if matrix:
        n = len(people)
        np.save(root / f"neighbour_emotion_{split}.npy", np.eye(n, dtype=np.uint8))
    return root


@pytest.fixture
def shared_reference() -> Path:
    if not SHARED_REFERENCE.is_dir():
        pytest.skip("../shared/reference is not available")
    return SHARED_REFERENCE


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("REACT_BENCH_CACHE", str(cache))
    return cache


def single_torch_thread():
    """Run a module's torch work on one thread (steadier on 2 shared cores). Modules opt in with
    ``_few_threads = pytest.fixture(autouse=True, scope="module")(single_torch_thread)`` so it is
    active before their module-scoped training fixtures."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def shared_test_cache(tmp_path_factory) -> Path:
    """The data cache the tests share (the smoke world is generated once per session)."""
    import os

    return Path(os.environ.get("REACT_BENCH_TEST_CACHE", tmp_path_factory.getbasetemp() / "react-bench-test-cache"))


def cached_source(tmp_path_factory, profile: str = "smoke"):
    """A synthetic profile's DataSource (seed 0), generated once per session into the shared test
    cache. Tests that only read a world use this: each private copy of the small world costs
    hundreds of MB of disk."""
    from react_bench.pipeline import resolve_data

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REACT_BENCH_CACHE", str(shared_test_cache(tmp_path_factory)))
        return resolve_data(None, profile)


def smoke_source(tmp_path_factory):
    """The smoke profile's DataSource, generated into the shared test cache."""
    return cached_source(tmp_path_factory, "smoke")


@pytest.fixture(scope="module")
def smoke_splits(tmp_path_factory):
    """(source, train, test) of the smoke profile, loaded once per module."""
    from react_bench.data.reader import load_split

    source = smoke_source(tmp_path_factory)
    return source, load_split(source.root, "train"), load_split(source.root, "test")

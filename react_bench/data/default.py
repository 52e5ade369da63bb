"""The embedded default dataset: the synthetic world, generated once into a user cache folder."""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Callable

DEFAULT_PROFILE = "small"
DEFAULT_SEED = 0


def user_cache_dir() -> Path:
    """`$REACT_BENCH_CACHE`, else `$XDG_CACHE_HOME/react-bench`, else `~/.cache/react-bench`."""
    explicit = os.environ.get("REACT_BENCH_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "react-bench"


def dataset_folder_name(profile: str, seed: int) -> str:
    """Cache folder of a synthetic dataset, e.g. ``synth-small-seed0-v2r2``: the generator version
    and the numerics revision are both in the name, so a cache written by an older generator (or
    older numerics, whose bytes differ) is never reused."""
    from .synth_world import GENERATOR_VERSION, NUMERICS_REVISION

    return f"synth-{profile}-seed{seed}-v{GENERATOR_VERSION}r{NUMERICS_REVISION}"


def _written_by_this_generator(root: Path) -> bool:
    """False when dataset.json records generator sources other than this checkout's (datasets from
    before the field existed are trusted)."""
    import json

    from .synth import generator_source_sha256

    try:
        recorded = json.loads((root / "dataset.json").read_text()).get("generator_source_sha256")
    except (OSError, ValueError, AttributeError):
        return False
    return recorded is None or recorded == generator_source_sha256()


def default_dataset_root(profile: str = DEFAULT_PROFILE, seed: int = DEFAULT_SEED,
                         progress: Callable[[str, int, int], None] | None = None) -> Path:
    """Root of the synthetic dataset for (profile, seed); generated on first use, then reused."""
    from .synth import PROFILES, write_synthetic_dataset

    if profile not in PROFILES:
        from ..errors import DataError

        raise DataError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    root = user_cache_dir() / "data" / dataset_folder_name(profile, seed)
    if (root / "dataset.json").is_file():
        if _written_by_this_generator(root):
            return root
        stale = root.with_name(f".stale-{root.name}-{os.getpid()}")
        warnings.warn(f"{root} was written by other generator code than this checkout's (same version "
                      "numbers, different source); it is regenerated", UserWarning, stacklevel=2)
        os.replace(root, stale)
        shutil.rmtree(stale, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
    try:
        write_synthetic_dataset(staging, profile=profile, seed=seed, progress=progress)
        try:
            os.replace(staging, root)
        except OSError:  # another process won the race
            if not (root / "dataset.json").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return root

"""Reference rows read ground_truth/; every competing method runs without it."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from react_bench.data.reader import load_split
from react_bench.data.ground_truth import direction_contexts
from react_bench.methods import METHODS, get_method, method_names


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> Path:
    from react_bench.data.synth import write_synthetic_dataset

    return write_synthetic_dataset(tmp_path_factory.mktemp("gt") / "smoke", profile="smoke", seed=0)


def test_context_mean_and_ideal_sampler_use_the_true_context(smoke):
    train, test = load_split(smoke, "train"), load_split(smoke, "test")
    contexts_train = direction_contexts(smoke, "train", train.speaker_paths)
    contexts_test = direction_contexts(smoke, "test", test.speaker_paths)
    mean = get_method("Context_mean")
    mean.fit(train, None, seed=0)
    sampler = get_method("Ideal_sampler")
    sampler.fit(train, None, seed=0)
    pm = mean.predict(test, n_samples=3, seed=0)
    ps = sampler.predict(test, n_samples=3, seed=0)
    assert pm.shape == ps.shape == (test.n_directions, 3, 750, 25)
    for k in range(test.n_directions):
        pool = np.asarray(train.listener)[contexts_train == contexts_test[k]]
        if len(pool) == 0:                   # smoke: a context without train listeners -> everyone
            pool = np.asarray(train.listener)
        assert np.allclose(pm[k, 0], pool.astype(np.float64).mean(axis=0), atol=1e-6)
        assert all(any(np.array_equal(s, p) for p in pool) for s in ps[k])     # real train listeners


def test_oracle_style_cycles_one_counterfactual_per_style(tmp_path):
    from conftest import write_tiny_dataset

    pairs = [("Synth/S001/P1/1", "Synth/S001/P2/1"), ("Synth/S001/P1/2", "Synth/S001/P2/2")]
    root = write_tiny_dataset(tmp_path / "d", pairs)
    (root / "ground_truth").mkdir()
    cf = np.random.default_rng(0).random((4, 6, 750, 25), dtype=np.float32)
    styles = np.tile(np.array([5, 5, 1, 1, 9, 9]), (4, 1))
    np.save(root / "ground_truth" / "counterfactual_test.npy", cf)
    np.save(root / "ground_truth" / "counterfactual_styles_test.npy", styles)
    pred = get_method("Oracle_style").predict(load_split(root, "test"), n_samples=10, seed=0)
    assert pred.shape == (4, 10, 750, 25)
    assert np.array_equal(pred[:, :3], cf[:, [0, 2, 4]]) and np.array_equal(pred[:, 3], cf[:, 0])


def test_competing_methods_never_read_ground_truth(smoke, tmp_path):
    """Every registered method not tagged "reference" fits and predicts with ground_truth/ removed."""
    blind = tmp_path / "blind"
    shutil.copytree(smoke, blind, ignore=shutil.ignore_patterns("ground_truth", ".react_bench_cache"))
    assert not (blind / "ground_truth").exists()
    train, test = load_split(blind, "train"), load_split(blind, "test")
    names = [n for n in method_names() if "reference" not in METHODS.entry(n).tags]
    assert {"B_Mime", "B_Random", "B_MeanSeq", "B_MeanFr", "regnn"} <= set(names)
    for name in names:
        config = {"profile": "smoke"} if "profile" in __import__("inspect").signature(
            METHODS.get(name)).parameters else {}
        method = get_method(name, **config)
        method.fit(train, None, seed=0, device="cpu", run_dir=tmp_path / "runs" / name)
        pred = method.predict(test, n_samples=2, seed=0)
        assert pred.shape == (test.n_directions, 2, 750, 25), name

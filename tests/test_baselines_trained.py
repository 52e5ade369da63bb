"""Every trained baseline (tag "baseline" and "trained"): shapes and dtype, seeded determinism,
save and load, resume after a kill, and its sampling rule (deterministic or diverse)."""

from __future__ import annotations


import numpy as np
import pytest
import torch

from conftest import fit_killed_after, single_torch_thread
from react_bench.methods import METHODS, get_method, method_names
from react_bench.metrics import score_arrays

_few_threads = pytest.fixture(autouse=True, scope="module")(single_torch_thread)
TRAINED = [n for n in method_names() if {"baseline", "trained"} <= set(METHODS.entry(n).tags)]
DETERMINISTIC = {"UNet"}            # its 10 samples are identical (FRDiv 0, as in the paper)


@pytest.fixture(scope="module")
def data(smoke_splits):
    """The smoke (train, test) splits (other modules import this fixture)."""
    return smoke_splits[1], smoke_splits[2]


@pytest.fixture(scope="module", params=TRAINED)
def fitted(request, data, tmp_path_factory):
    method = get_method(request.param, profile="smoke")
    run_dir = tmp_path_factory.mktemp(request.param)
    method.fit(data[0], None, seed=1, device="cpu", run_dir=run_dir)
    return request.param, method, run_dir


def test_there_are_trained_baselines() -> None:
    assert "UNet" in TRAINED


def test_shapes_dtype_and_sampling_rule(fitted, data) -> None:
    name, method, run_dir = fitted
    test = data[1]
    pred = method.predict(test, n_samples=10, seed=0)
    assert pred.shape == (test.n_directions, 10, 750, 25) and pred.dtype == np.float32
    assert np.isfinite(pred).all()
    frdiv = score_arrays(pred, test.listener, test.speaker, test.appropriate, metrics=["FRDiv"])["FRDiv"]
    assert (frdiv == 0.0) if name in DETERMINISTIC else (frdiv > 0.0)
    assert (run_dir / "losses.json").is_file() and (run_dir / "training_curve.png").is_file()


def test_same_seed_same_predictions_and_save_load(fitted, data, tmp_path) -> None:
    name, method, _ = fitted
    again = get_method(name, profile="smoke")
    again.fit(data[0], None, seed=1, device="cpu", run_dir=tmp_path / "again")
    np.testing.assert_array_equal(again.predict(data[1], n_samples=3, seed=5), method.predict(data[1], n_samples=3, seed=5))
    loaded = get_method(name, profile="smoke")
    loaded.load(tmp_path / "again" / "model")
    np.testing.assert_array_equal(loaded.predict(data[1], n_samples=3, seed=5), method.predict(data[1], n_samples=3, seed=5))


def test_resume_after_a_kill_matches_an_uninterrupted_run(fitted, data, tmp_path) -> None:
    name, method, _ = fitted

    fit_killed_after(get_method(name, profile="smoke"), data[0], tmp_path, epoch=0, seed=1)
    resumed = get_method(name, profile="smoke")
    resumed.fit(data[0], None, seed=1, device="cpu", run_dir=tmp_path, resume=True)
    ref, got = method.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(ref[k], got[k]) for k in ref)


def test_a_damaged_model_folder_is_refused_clearly(fitted, tmp_path) -> None:
    from react_bench.errors import DataError

    name, method, _ = fitted
    folder = tmp_path / "model"
    method.save(folder)
    weights = (folder / "weights.pt").read_bytes()
    (folder / "weights.pt").write_bytes(weights[: len(weights) // 2])
    with pytest.raises(DataError, match="not a readable weights file"):
        get_method(name, profile="smoke").load(folder)
    torch.save({"unrelated": torch.zeros(1)}, folder / "weights.pt")
    with pytest.raises(DataError, match="does not fit the network"):
        get_method(name, profile="smoke").load(folder)
    (folder / "weights.pt").write_bytes(weights)
    config = (folder / "config.json").read_text()
    (folder / "config.json").write_text("{not json")
    with pytest.raises(DataError, match="not JSON"):
        get_method(name, profile="smoke").load(folder)
    import json

    for damaged in ({}, {**json.loads(config), "not_a_field": 1}):       # keys missing / foreign
        (folder / "config.json").write_text(json.dumps(damaged))
        with pytest.raises(DataError, match="is not a .* model config"):
            get_method(name, profile="smoke").load(folder)

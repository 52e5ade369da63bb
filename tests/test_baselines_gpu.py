"""The trained baselines on CUDA (run only where a GPU exists; `pytest -m gpu`).

The CPU suite trains every baseline on the smoke profile. Here each one trains with its *small*
profile's networks and schedule on the smoke data on the GPU (the longer runs of issue 13 §5):
the model and its data live on the device, the predictions are finite and seeded, a saved model
reloads to the same predictions, and the result beats B_Random's FRDist."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from react_bench.methods import METHODS, get_method, method_names
from react_bench.metrics import score_arrays

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]
TRAINED = [n for n in method_names() if {"baseline", "trained"} <= set(METHODS.entry(n).tags)]


def _frdist(pred: np.ndarray, split) -> float:
    return float(score_arrays(pred, split.listener, split.speaker, split.appropriate, metrics=["FRDist"])["FRDist"])


@pytest.mark.parametrize("name", TRAINED)
def test_small_profile_trains_on_cuda(name, smoke_splits, tmp_path) -> None:
    _, train, test = smoke_splits
    method = get_method(name, profile="small")
    method.fit(train, None, seed=0, device="cuda", run_dir=tmp_path / "run")
    assert all(p.device.type == "cuda" for p in method.model.parameters())
    pred = method.predict(test, n_samples=10, seed=3)
    assert pred.shape == (test.n_directions, 10, 750, 25) and pred.dtype == np.float32
    assert np.isfinite(pred).all()
    np.testing.assert_allclose(method.predict(test, n_samples=10, seed=3), pred, atol=1e-5)

    loaded = get_method(name, profile="small")
    loaded.load(tmp_path / "run" / "model", device="cuda")
    np.testing.assert_allclose(loaded.predict(test, n_samples=10, seed=3), pred, atol=1e-5)

    random = get_method("B_Random")
    random.fit(train, None, seed=0)
    assert _frdist(pred, test) < _frdist(random.predict(test, n_samples=10, seed=0), test)

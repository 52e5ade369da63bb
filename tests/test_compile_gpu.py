"""Compiled and graph-replayed training steps on CUDA (run only where a GPU exists; `pytest -m gpu`).

`REACT_BENCH_COMPILE=reduce-overhead` (torch.compile of the networks) and `cuda-graphs` (whole steps
captured, react_bench/methods/step_graphs.py) both replay CUDA graphs. A graph that replays over
memory a step still reads would not raise: it would train on wrong numbers. So each checked baseline
trains the same short schedule eagerly and accelerated, and the per-epoch losses must agree (not
bit-identical: fused kernels and dropout's own random numbers under compile, capturable Adam under
cuda-graphs), the predictions be finite, and the saved model reload to the same predictions. Under
`cuda-graphs` the steps must really have been replayed (losses.json's `replayed_steps`), for every
baseline; REGNN, whose step reads the GPU, must train eagerly; and a graph-replayed run must resume
as if uninterrupted. The `reduce-overhead` three cover the patterns that matter there: a GAN whose
D update runs inside G's step, BeLFusion's several graphs with eager GRUs between them, and online
Trans-VAE's per-window step over growing prefixes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from react_bench.methods import get_method
from react_bench.methods.config import COMPILE_ENV, STEP_GRAPHS

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]

# 2 epochs of up to 10 steps: CUDA graph trees and step_graphs warm up eagerly first, then
# capture, then replay (the smoke world has 16 train clips: 4 full batches of 4 a pass)
TWO_EPOCHS = dict(epochs=2, steps_per_epoch=10)
LONGER = {"DyadGAN": TWO_EPOCHS, "Huang_S": TWO_EPOCHS, "UNet": TWO_EPOCHS, "TransVAE": TWO_EPOCHS,
          "TransVAE_online": TWO_EPOCHS,
          "BeLFusion": dict(vae_epochs=2, vae_steps_per_epoch=10, ldm_epochs=2, ldm_steps_per_epoch=10),
          "L2L": dict(TWO_EPOCHS, vq_epochs=2, vq_steps_per_epoch=10)}
CASES = [(name, "reduce-overhead") for name in ("DyadGAN", "BeLFusion", "TransVAE_online")] + \
        [(name, STEP_GRAPHS) for name in sorted(LONGER)]
DEVICE = "cuda"


def _history(run_dir) -> list[dict]:
    return json.loads((run_dir / "losses.json").read_text())


@pytest.mark.parametrize("name,mode", CASES)
def test_accelerated_training_matches_eager(name, mode, smoke_splits, tmp_path, monkeypatch) -> None:
    import torch._dynamo

    _, train, test = smoke_splits
    histories, preds = {}, {}
    try:
        for run in ("off", mode):
            monkeypatch.setenv(COMPILE_ENV, run)
            torch._dynamo.reset()
            method = get_method(name, profile="smoke", **LONGER[name])
            method.fit(train, None, seed=0, device=DEVICE, run_dir=tmp_path / run)
            histories[run] = _history(tmp_path / run)
            preds[run] = method.predict(test, n_samples=10, seed=3)
            assert np.isfinite(preds[run]).all()
    finally:
        torch._dynamo.reset()
    losses = {run: [h["loss"] for h in history] for run, history in histories.items()}
    assert np.all(np.isfinite(losses[mode]))
    np.testing.assert_allclose(losses[mode], losses["off"], rtol=0.1)
    if mode == STEP_GRAPHS:
        assert sum(h["replayed_steps"] for h in histories[mode]) > 0, "no step was replayed from a graph"
        assert not any("replayed_steps" in h for h in histories["off"])
    loaded = get_method(name, profile="smoke")
    loaded.load(tmp_path / mode / "model", device=DEVICE)
    np.testing.assert_allclose(loaded.predict(test, n_samples=10, seed=3), preds[mode], atol=1e-5)


def test_regnn_trains_eagerly_under_cuda_graphs(smoke_splits, tmp_path, monkeypatch) -> None:
    """REGNN's step reads the GPU (nonzero), so it declares itself not graphable and runs eagerly."""
    _, train, _ = smoke_splits
    monkeypatch.setenv(COMPILE_ENV, STEP_GRAPHS)
    method = get_method("regnn", profile="smoke")
    method.fit(train, None, seed=0, device=DEVICE, run_dir=tmp_path)
    history = _history(tmp_path)
    assert history and not any("replayed_steps" in h for h in history)


def test_a_graph_replayed_run_resumes_under_cuda_graphs_as_if_uninterrupted(smoke_splits, tmp_path,
                                                                            monkeypatch) -> None:
    """Huang_S (two graph variants, D's own optimiser): killed after its first epoch and resumed
    under cuda-graphs, it ends where the uninterrupted run ends. This checks that the checkpoint's
    generator state counts the replays' draws and that capturable Adam's state resumes."""
    from conftest import fit_killed_after

    _, train, _ = smoke_splits
    monkeypatch.setenv(COMPILE_ENV, STEP_GRAPHS)
    settings = dict(epochs=3, steps_per_epoch=10)
    whole = get_method("Huang_S", profile="smoke", **settings)
    whole.fit(train, None, seed=0, device=DEVICE, run_dir=tmp_path / "whole")
    fit_killed_after(get_method("Huang_S", profile="smoke", **settings), train, tmp_path / "cut", epoch=0, seed=0,
                     device=DEVICE)
    resumed = get_method("Huang_S", profile="smoke", **settings)
    resumed.fit(train, None, seed=0, device=DEVICE, run_dir=tmp_path / "cut", resume=True)
    assert sum(h["replayed_steps"] for h in _history(tmp_path / "cut")) > 0
    ref, got = whole.model.state_dict(), resumed.model.state_dict()
    for key in ref:
        torch.testing.assert_close(got[key], ref[key], rtol=1e-4, atol=1e-6, msg=key)

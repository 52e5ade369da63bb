"""Compiled training steps on CUDA (run only where a GPU exists; `pytest -m gpu`).

`REACT_BENCH_COMPILE=reduce-overhead` replays CUDA graphs. A graph that replays over memory a step
still reads would not raise: it would train on wrong numbers. So each checked baseline trains the
same short schedule eagerly and compiled, and the per-epoch losses must agree (not bit-identical:
fused kernels, and dropout draws its own random numbers under compile), the predictions be finite,
and the saved model reload to the same predictions. The three cover the patterns that matter: a
GAN whose D update runs inside G's step, BeLFusion's several graphs with eager GRUs between them,
and online Trans-VAE's per-window step over growing prefixes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from react_bench.methods import get_method
from react_bench.methods.config import COMPILE_ENV

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]

# 2 epochs of 10 steps: CUDA graph trees warm up eagerly first, then record, then replay
LONGER = {"DyadGAN": dict(epochs=2, steps_per_epoch=10),
          "BeLFusion": dict(vae_epochs=2, vae_steps_per_epoch=10, ldm_epochs=2, ldm_steps_per_epoch=10),
          "TransVAE_online": dict(epochs=2, steps_per_epoch=10)}
DEVICE, MODE = "cuda", "reduce-overhead"


def _epoch_losses(run_dir) -> list[float]:
    return [h["loss"] for h in json.loads((run_dir / "losses.json").read_text())]


@pytest.mark.parametrize("name", sorted(LONGER))
def test_compiled_training_matches_eager(name, smoke_splits, tmp_path, monkeypatch) -> None:
    import torch._dynamo

    _, train, test = smoke_splits
    losses, preds = {}, {}
    try:
        for mode in ("off", MODE):
            monkeypatch.setenv(COMPILE_ENV, mode)
            torch._dynamo.reset()
            method = get_method(name, profile="smoke", **LONGER[name])
            method.fit(train, None, seed=0, device=DEVICE, run_dir=tmp_path / mode)
            losses[mode] = _epoch_losses(tmp_path / mode)
            preds[mode] = method.predict(test, n_samples=10, seed=3)
            assert np.isfinite(preds[mode]).all()
    finally:
        torch._dynamo.reset()
    assert np.all(np.isfinite(losses[MODE]))
    np.testing.assert_allclose(losses[MODE], losses["off"], rtol=0.1)
    loaded = get_method(name, profile="smoke")
    loaded.load(tmp_path / MODE / "model", device=DEVICE)
    np.testing.assert_allclose(loaded.predict(test, n_samples=10, seed=3), preds[MODE], atol=1e-5)

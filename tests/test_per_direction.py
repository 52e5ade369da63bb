"""Per-direction values (for the experiment tables' bootstrap CIs) average to the metrics."""

from __future__ import annotations

import numpy as np
import pytest

from react_bench.metrics import score_arrays_timed
from react_bench.metrics.oracle import oracle_scores


def _inputs(seed: int = 0, s: int = 6, n: int = 3, t: int = 750):
    rng = np.random.default_rng(seed)
    lst = rng.random((s, t, 25)).astype(np.float32)
    lst[:, :, :15] = (lst[:, :, :15] > 0.6)
    spk = rng.random((s, t, 25)).astype(np.float32)
    pred = (lst[:, None] * 0.5 + 0.5 * rng.random((s, n, t, 25))).astype(np.float32)
    appropriate = np.eye(s, dtype=np.uint8)
    appropriate[0, 1] = appropriate[1, 0] = 1
    return pred, lst, spk, appropriate


def test_per_direction_means_are_the_metrics() -> None:
    pred, lst, spk, appropriate = _inputs()
    out: dict[str, np.ndarray] = {}
    scores, _ = score_arrays_timed(pred, lst, spk, appropriate, per_direction=out)
    assert set(out) == {"FRDist", "FRCorr", "PCC", "FRDiv", "FRVar", "Synchrony"}
    for key, values in out.items():
        assert values.shape == (pred.shape[0],)
        assert float(np.mean(values)) == pytest.approx(scores[key], rel=1e-6, abs=1e-6), key
    # a direction's values move with that direction only
    pred2 = pred.copy()
    pred2[3] = pred2[3, :1]
    out2: dict[str, np.ndarray] = {}
    score_arrays_timed(pred2, lst, spk, appropriate, per_direction=out2)
    assert out2["FRDiv"][3] == 0.0 and out["FRDiv"][3] > 0
    np.testing.assert_array_equal(np.delete(out2["FRDiv"], 3), np.delete(out["FRDiv"], 3))


def test_oracle_per_direction_means_are_the_metrics() -> None:
    pred, lst, _, _ = _inputs(1, s=4, n=2)
    cf = np.stack([lst, lst + 0.01, 1 - lst, 1.01 - lst], axis=1).astype(np.float32)
    styles = np.tile(np.array([0, 0, 1, 1]), (4, 1))
    out: dict[str, np.ndarray] = {}
    scores = oracle_scores(pred, cf, styles, per_direction=out)
    for key in ("FRCorr_true", "FRDist_true", "Coverage", "Precision"):
        assert float(np.mean(out[key])) == pytest.approx(scores[key], rel=1e-9), key

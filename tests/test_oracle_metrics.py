"""Oracle metrics on hand-made counterfactual sets (react_bench/metrics/oracle.py)."""

import numpy as np
import pytest

from react_bench.errors import MetricInputError
from react_bench.metrics.oracle import (coverage_precision, oracle_scores, style_threshold,
                                        within_style_distances)

T = 80


def _style_pattern(rng, phase):
    t = np.arange(T)[:, None]
    x = np.empty((T, 25), np.float32)
    x[:, :15] = (np.sin(t / 7.0 + phase + np.arange(15)) > 0).astype(np.float32)
    x[:, 15:17] = 0.6 * np.sin(t / 11.0 + phase + np.arange(2))
    logits = np.cos(t / 9.0 + phase + np.arange(8))
    x[:, 17:] = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return x


def _world(s=3, seed=0):
    """Per direction: 2 styles (phases far apart) x 2 draws (small noise on the real columns)."""
    rng = np.random.default_rng(seed)
    cf = np.empty((s, 4, T, 25), np.float32)
    styles = np.tile(np.array([3, 3, 7, 7]), (s, 1))
    for d in range(s):
        for j, phase in enumerate((0.0, 0.0, 2.5, 2.5)):
            x = _style_pattern(rng, phase + 0.1 * d)
            x[:, 15:] += rng.normal(0, 0.02, (T, 10)).astype(np.float32)
            cf[d, j] = x
    return cf, styles


def test_an_oracle_sampler_covers_every_style_exactly():
    cf, styles = _world()
    pred = cf[:, [0, 2, 0, 2]]                       # one draw of each style, cycled to 4 samples
    scores = oracle_scores(pred, cf, styles)
    assert scores["Coverage"] == 1.0 and scores["Precision"] == 1.0
    assert scores["FRDist_true"] == 0.0
    assert scores["FRCorr_true"] == pytest.approx(4.0, abs=1e-5)     # 4 samples x CCC 1
    assert scores["threshold"] > 0


def test_one_style_covers_half_and_far_samples_cover_nothing():
    cf, styles = _world()
    one = oracle_scores(cf[:, [1, 1, 1]], cf, styles)
    assert one["Coverage"] == 0.5 and one["Precision"] == 1.0
    far = np.full((3, 3, T, 25), 0.5, np.float32)
    far[..., :15] = 1.0
    none = oracle_scores(far, cf, styles)
    assert none["Coverage"] == 0.0 and none["Precision"] == 0.0
    assert none["FRDist_true"] > one["FRDist_true"] == 0.0 and none["FRCorr_true"] < one["FRCorr_true"]


def test_threshold_is_a_quantile_of_within_style_draw_distances():
    cf, styles = _world()
    within = within_style_distances(cf, styles)
    assert within.shape == (6,) and (within > 0).all()              # 3 directions x 2 styles
    assert style_threshold(cf, styles, quantile=1.0) == pytest.approx(within.max())
    assert style_threshold(cf, styles, quantile=0.0) == pytest.approx(within.min())


def test_coverage_precision_by_hand():
    # 1 direction, 2 samples, 3 counterfactuals of styles (0, 0, 1); threshold 1.0
    d = np.array([[[0.5, 2.0, 3.0], [4.0, 5.0, 1.5]]])
    styles = np.array([[0, 0, 1]])
    assert coverage_precision(d, styles, 1.0) == (0.5, 0.5)          # sample 1 is too far from style 1
    assert coverage_precision(d, styles, 2.0) == (1.0, 1.0)
    assert coverage_precision(d, styles, 0.1) == (0.0, 0.0)


def test_mismatched_shapes_are_refused():
    cf, styles = _world()
    with pytest.raises(MetricInputError, match="do not match"):
        oracle_scores(cf[:2, :2], cf, styles)
    with pytest.raises(MetricInputError, match="styles"):
        oracle_scores(cf[:, :2], cf, styles[:, :2])

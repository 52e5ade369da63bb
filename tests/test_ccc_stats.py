"""ccc.float32_stats reproduces numpy's float32 mean / var / std over time bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from react_bench.metrics.ccc import float32_stats


@pytest.mark.parametrize("shape", [(3, 4, 750, 25), (5, 750, 25), (2, 1, 1, 25), (1, 7, 3)])
def test_matches_numpy_bit_for_bit(shape):
    rng = np.random.default_rng(sum(shape))
    x = (rng.normal(0, 1, shape) * rng.uniform(0.01, 100)).astype(np.float32)
    x[..., 0] = 0.25                                       # a constant column: var exactly 0
    mu, var, sd = float32_stats(x)
    assert mu.dtype == var.dtype == sd.dtype == np.float32
    np.testing.assert_array_equal(mu, np.mean(x, axis=-2))
    np.testing.assert_array_equal(var, np.var(x, axis=-2))
    np.testing.assert_array_equal(sd, np.std(x, axis=-2))
    assert np.all(var[..., 0] == 0)


def test_matches_the_official_per_sequence_calls():
    """The official FRC.py calls np.mean/np.var/np.std on one (750, 25) float32 array at a time."""
    rng = np.random.default_rng(1)
    x = rng.random((6, 750, 25), dtype=np.float32)
    x[:, :, :15] = x[:, :, :15] > 0.7                      # binary AUs, as in REACT data
    mu, var, sd = float32_stats(x)
    for b in range(len(x)):
        np.testing.assert_array_equal(mu[b], np.mean(x[b], axis=0))
        np.testing.assert_array_equal(var[b], np.var(x[b], axis=0))
        np.testing.assert_array_equal(sd[b], np.std(x[b], axis=0))


def test_float64_input_is_cast_first():
    x = np.random.default_rng(2).random((2, 50, 25))
    mu, _, _ = float32_stats(x)
    np.testing.assert_array_equal(mu, np.mean(x.astype(np.float32), axis=-2))

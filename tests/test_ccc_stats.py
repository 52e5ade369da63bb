"""ccc.float32_stats reproduces the official per-column float32 statistics bit for bit.

metric/FRC.py calls ``np.mean(y[:, i])``, ``np.var(y[:, i])`` and ``np.std(y[:, i])`` on each
column of a (T, 25) float32 array, so numpy reduces a 1-D float32 array with its pairwise
summation. The tests compare against exactly those calls, bit pattern for bit pattern.
"""

from __future__ import annotations

import numpy as np
import pytest

from react_bench.metrics.ccc import float32_stats


def _official_column_stats(x: np.ndarray):
    """(mean, var, std) of every column, each computed as FRC.py does it: one 1-D column at a time."""
    flat = x.reshape((-1,) + x.shape[-2:])
    out = np.empty((3, flat.shape[0], flat.shape[2]), dtype=np.float32)
    for b, y in enumerate(flat):            # y: (T, D) float32, as ``emotion`` / ``k_pred[i]``
        for i in range(y.shape[1]):
            out[:, b, i] = np.mean(y[:, i]), np.var(y[:, i]), np.std(y[:, i])
    return tuple(o.reshape(x.shape[:-2] + x.shape[-1:]) for o in out)


def _assert_bits_equal(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype == np.float32 and got.shape == want.shape
    mismatch = got.view(np.uint32) != want.view(np.uint32)        # also tells -0.0 from +0.0
    assert not mismatch.any(), f"{mismatch.sum()} of {mismatch.size} values differ"


def _react_like(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    x = rng.random(shape, dtype=np.float32)
    x[..., :15] = x[..., :15] > 0.7                               # binary AUs
    x[..., 15:17] = x[..., 15:17] * 2 - 1                         # valence/arousal in [-1, 1]
    return x


CASES = {
    "react_750": lambda rng: _react_like(rng, (4, 3, 750, 25)),
    "react_751": lambda rng: _react_like(rng, (6, 751, 25)),      # run_baselines.py keeps 751 frames
    "normal_750": lambda rng: (rng.normal(0, 1, (5, 750, 25)) * rng.uniform(0.01, 100)).astype(np.float32),
    "large_offset_750": lambda rng: (1000 + rng.normal(0, 0.1, (3, 750, 25))).astype(np.float32),
    "large_offset_751": lambda rng: (-5e4 + rng.normal(0, 3, (3, 751, 25))).astype(np.float32),
    "block_sizes": lambda rng: rng.random((2, 129, 7), dtype=np.float32),       # just over one block
    "long": lambda rng: rng.normal(5, 2, (2, 3001, 25)).astype(np.float32),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_the_official_per_column_calls(case):
    rng = np.random.default_rng(sorted(CASES).index(case))
    x = CASES[case](rng)
    x[..., 0] = 0.25                                              # a constant column: var exactly 0
    x[..., 1] = -0.0                                              # a column of -0.0
    mu, var, sd = float32_stats(x)
    want_mu, want_var, want_sd = _official_column_stats(x)
    _assert_bits_equal(mu, want_mu)
    _assert_bits_equal(var, want_var)
    _assert_bits_equal(sd, want_sd)
    assert np.all(var[..., 0] == 0) and np.all(mu[..., 0] == np.float32(0.25))


@pytest.mark.parametrize("t_len", [1, 2, 7, 8, 9, 15, 16, 17, 127, 128, 129, 130, 255, 256, 257, 383, 384, 385])
def test_every_branch_of_the_pairwise_sum(t_len):
    """n < 8, 8 <= n <= 128 with and without a remainder, and the split above 128."""
    rng = np.random.default_rng(t_len)
    x = (rng.normal(0, 1, (3, t_len, 5)) * 10 ** rng.uniform(-3, 3, 5) + rng.normal(0, 100, 5)).astype(np.float32)
    for got, want in zip(float32_stats(x), _official_column_stats(x)):
        _assert_bits_equal(got, want)


def test_differs_from_the_frame_by_frame_reduction():
    """The data used above is sensitive to the summation order: numpy's ``axis=0`` reduction (frame
    after frame, what float32_stats used to reproduce) gives other float32 values, so the tests
    above would catch a return to it."""
    x = (1000 + np.random.default_rng(7).normal(0, 0.1, (3, 750, 25))).astype(np.float32)
    mu, var, _ = float32_stats(x)
    assert np.any(mu != np.mean(x, axis=-2)) and np.any(var != np.var(x, axis=-2))


def test_float64_input_is_cast_first():
    x = np.random.default_rng(2).random((2, 50, 25))
    mu, var, sd = float32_stats(x)
    want = _official_column_stats(x.astype(np.float32))
    for got, w in zip((mu, var, sd), want):
        _assert_bits_equal(got, w)

"""reaction_tables: the numba distinct-row and distinct-value tables equal np.unique's."""

from __future__ import annotations

import numpy as np

from react_bench.metrics import reaction_tables as rt


def _reactions(seed: int, n: int = 6, t_len: int = 120) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = rng.random((n, t_len, 25), dtype=np.float32)
    y[:, :, :15] = y[:, :, :15] > 0.8                     # binary AUs: few distinct rows
    y[1, :, :15] = 0.0
    y[1, ::3, :15] = -0.0                                 # signed zeros count as one value
    y[2, :, 16] = 0.5                                     # a constant column
    return y


def _check_partition(ids: np.ndarray, rows: np.ndarray, counts: np.ndarray, block: np.ndarray) -> None:
    for k in range(len(block)):
        uniq = np.unique(block[k], axis=0)
        assert counts[k] == len(uniq)
        assert ids[k].min() == 0 and ids[k].max() == counts[k] - 1
        # every frame maps to a row equal (by value) to itself
        np.testing.assert_array_equal(rows[k][ids[k]], block[k])


def test_distinct_rows_match_np_unique():
    y = _reactions(0)
    ids, rows, counts = rt.distinct_rows(y[:, :, :15])
    _check_partition(ids, rows, counts, y[:, :, :15])
    assert counts[1] == 1


def test_hash_collisions_never_merge_different_rows():
    """All keys equal (the worst collision): rows are still told apart by full comparison."""
    y = _reactions(1)
    bits = (np.ascontiguousarray(y[:, :, :15]) + np.float32(0.0)).view(np.uint32)
    ids, first, counts = rt._group_rows(bits, np.zeros(bits.shape[:2], dtype=np.uint64))
    rows = np.zeros((len(y), y.shape[1], 15), dtype=np.float32)
    for k in range(len(y)):
        rows[k, :counts[k]] = y[k, first[k, :counts[k]], :15]
    _check_partition(ids, rows, counts, y[:, :, :15])


def test_distinct_column_values_match_np_unique():
    y = _reactions(2)
    vals, counts = rt.distinct_column_values(y)
    assert vals.shape == (6, 25, 120) and vals.dtype == np.float32
    for k in range(len(y)):
        for d in range(25):
            u = np.unique(y[k, :, d])
            assert counts[k, d] == u.size
            np.testing.assert_array_equal(vals[k, d, :u.size], u)
            assert np.all(np.isinf(vals[k, d, u.size:]))
    assert counts[2, 16] == 1 and counts[1, 0] == 1

"""DTW kernels against tslearn.metrics.dtw (the official FRDist DTW) and against brute force."""

from __future__ import annotations

import numpy as np
import pytest

tslearn_metrics = pytest.importorskip("tslearn.metrics")

from react_bench.constants import COLUMN_GROUPS, FRD_WEIGHTS  # noqa: E402
from react_bench.metrics import dtw as D  # noqa: E402
from react_bench.metrics.frdist import min_weighted_dtw  # noqa: E402
from react_bench.metrics.reaction_tables import distinct_column_values  # noqa: E402


def ref_dtw(x, y) -> float:
    return float(tslearn_metrics.dtw(np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32)))


def ref_weighted(x, y) -> float:
    """The official FRD.py inner loop."""
    res = 0
    for sl, w in zip(COLUMN_GROUPS, FRD_WEIGHTS):
        res += w * tslearn_metrics.dtw(np.asarray(x, np.float32)[:, sl], np.asarray(y, np.float32)[:, sl])
    return float(res)


def react_like(rng, n, t):
    """Binary AUs with persistence (some never active), smooth VA, softmax expressions."""
    out = np.zeros((n, t, 25), dtype=np.float32)
    for k in range(n):
        flips = rng.random((t, 15)) < 0.05
        au = np.cumsum(flips, axis=0) % 2
        au[:, rng.random(15) < 0.2] = 0
        out[k, :, :15] = au
        out[k, :, 15:17] = np.sin(np.linspace(0, rng.uniform(1, 6), t)[:, None] + rng.uniform(0, 6, 2))
        logits = np.cumsum(rng.normal(0, 0.3, (t, 8)), axis=0)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        out[k, :, 17:] = e / e.sum(axis=1, keepdims=True)
    return out


@pytest.mark.parametrize("shape_x,shape_y", [((40, 3), (40, 3)), ((31, 15), (57, 15)),
                                             ((1, 2), (9, 2)), ((12, 1), (1, 1)), ((60, 8), (45, 8))])
def test_dtw_matches_tslearn_random(shape_x, shape_y):
    rng = np.random.default_rng(sum(shape_x) + sum(shape_y))
    x = rng.normal(size=shape_x)
    y = rng.normal(size=shape_y)
    assert D.dtw(x, y) == pytest.approx(ref_dtw(x, y), rel=1e-9, abs=1e-12)


def test_dtw_hand_made_cases():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    assert D.dtw(x, x) == 0.0
    # warping absorbs the repeated frame: distance 0
    assert D.dtw([0.0, 1.0, 1.0, 2.0], [0.0, 1.0, 2.0]) == 0.0
    # constant sequences: every frame pairs at cost 1, shortest path has max(n, m) cells
    assert D.dtw(np.zeros((5, 2)), np.ones((3, 2))) == pytest.approx(np.sqrt(5 * 2))
    assert D.dtw(np.zeros(4), np.ones(4)) == pytest.approx(ref_dtw(np.zeros(4), np.ones(4)))
    # 1-D input is one feature
    assert D.dtw([1.0, 2.0], [[1.0], [2.0]]) == 0.0


def test_dtw_float32_cast_like_official():
    x = np.array([0.1, 0.2, 0.30000001192092896])
    y = np.array([0.1, 0.25, 0.3])
    assert D.dtw(x, y) == ref_dtw(x, y)


def test_weighted_dtw_bit_identical_to_official_loop():
    rng = np.random.default_rng(1)
    a = react_like(rng, 3, 120)
    for x, y in ((a[0], a[1]), (a[1], a[2]), (a[2], a[2]), (a[0], a[1, :77])):
        assert D.weighted_dtw(x, y) == ref_weighted(x, y)
    assert D.weighted_dtw(a[0], a[0]) == 0.0


def test_weighted_dtw_cross_matches_pairs_and_downsample():
    rng = np.random.default_rng(2)
    a = react_like(rng, 4, 90)
    b = react_like(rng, 3, 90) + rng.normal(0, 0.1, (3, 90, 25)).astype(np.float32)
    c = D.weighted_dtw_cross(a, b)
    assert c.shape == (4, 3) and c.dtype == np.float64
    ref = np.array([[ref_weighted(x, y) for y in b] for x in a])
    np.testing.assert_array_equal(c, ref)
    c2 = D.weighted_dtw_cross(a, b, downsample=3)
    ref2 = np.array([[ref_weighted(x[::3], y[::3]) for y in b] for x in a])
    np.testing.assert_array_equal(c2, ref2)
    assert D.weighted_dtw_cross(a[:0], b).shape == (0, 3)
    with pytest.raises(ValueError):
        D.weighted_dtw_cross(a, b, downsample=0)
    with pytest.raises(ValueError):
        D.weighted_dtw_cross(a[..., :24], b)


def test_early_abandon_min_equals_brute_force():
    rng = np.random.default_rng(3)
    lst = react_like(rng, 12, 100)
    lstT = np.ascontiguousarray(lst.astype(np.float64).transpose(0, 2, 1))
    brute = D.weighted_dtw_cross(lst, lst)
    vals, counts = distinct_column_values(lst)
    ids, tabs, npat = D.au_pattern_tables(lst)
    assert (npat > 0).all()                        # binary AUs: the pattern table is used
    no_tab = np.zeros_like(npat)
    for trial in range(12):
        cand = np.sort(rng.choice(12, size=rng.integers(1, 8), replace=False)).astype(np.int64)
        base = lst[cand[rng.integers(len(cand))]]
        # from near-copies (one clear winner) to noise (close contest)
        x = base + rng.normal(0, [0.01, 0.3, 1.0][trial % 3], base.shape).astype(np.float32)
        x = x.astype(np.float32).astype(np.float64)
        got, n_full = min_weighted_dtw(x, lstT, cand, vals, counts, ids, tabs, npat)
        want = min(D.weighted_dtw(x, lst[j]) for j in cand)
        assert got == want
        assert min_weighted_dtw(x, lstT, cand, vals, counts, ids, tabs, no_tab)[0] == want
        assert 1 <= n_full <= len(cand)
    # the self-reaction is the minimum at 0 and everything else is abandoned
    got, n_full = min_weighted_dtw(lstT[4].T.copy(), lstT, np.arange(12, dtype=np.int64), vals, counts,
                                   ids, tabs, npat)
    assert got == 0.0 and n_full == 1
    assert brute[4].min() == 0.0


def test_cost_rows_table_and_direct_paths_match_tslearn():
    """Continuous (non-binary) AU rows that repeat use the pattern table, fresh ones the direct
    15-column sum; both must equal tslearn's per-cell sum (its leading 0.0 + is dropped)."""
    rng = np.random.default_rng(7)
    pool = rng.normal(0, 2, (5, 15)).astype(np.float32)          # few distinct AU rows
    y = rng.normal(0, 1, (2, 64, 25)).astype(np.float32)
    y[0, :, :15] = pool[rng.integers(0, 5, 64)]
    y[1, :, :15] = -0.0                                             # signed zeros, all equal
    x = rng.normal(0, 1, (3, 50, 25)).astype(np.float32)
    x[2, :, :15] = 0.0
    ids, tabs, npat = D.au_pattern_tables(y)
    assert (npat > 0).all()
    got = D.weighted_dtw_cross(x, y)
    want = np.array([[ref_weighted(a, b) for b in y] for a in x])
    np.testing.assert_array_equal(got, want)
    for a in x:
        for b in y:
            assert D.weighted_dtw(a, b) == ref_weighted(a, b)


def test_frdist_best_on_a_subset_of_directions():
    """Fewer predicted directions than reactions (the benchmark scores a subset against all)."""
    from react_bench.metrics.frdist import frdist_best
    from react_bench.metrics.validate import neighbour_lists

    rng = np.random.default_rng(9)
    s, n, t_len = 5, 2, 30
    lst = rng.random((s, t_len, 25), dtype=np.float32)
    pred = rng.random((s, n, t_len, 25), dtype=np.float32)
    appropriate = np.ones((s, s), dtype=np.uint8)
    indptr, indices = neighbour_lists(appropriate)
    full, _ = frdist_best(pred, lst, indptr, indices)
    sub = np.array([1, 3])
    sub_ptr = np.r_[0, np.cumsum(np.diff(indptr)[sub])]
    sub_idx = np.concatenate([indices[indptr[k]:indptr[k + 1]] for k in sub])
    part, _ = frdist_best(pred[sub], lst, sub_ptr, sub_idx)
    np.testing.assert_array_equal(part, full[sub])

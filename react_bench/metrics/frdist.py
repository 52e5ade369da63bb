"""FRDist (metric/FRD.py): exact min over appropriate reactions of the weighted DTW, fast.

    FRDist = mean over directions k of  sum over samples i of  min_{j in A(k)} d(P[k,i], L[j])

The official code computes every d(P[k,i], L[j]) in full. We compute the same minimum exactly,
skipping work that provably cannot change it:

1. Upper bound: the diagonal path (frame t with frame t) is one warping path, so its weighted
   cost bounds each candidate's DTW from above; the smallest one bounds the minimum.
2. Candidates are visited in order of that bound (the best is usually first).
3. Lower bound per row: a frame of X is matched to some frame of Y, which costs at least the
   sum over columns of the squared distance to the nearest value that column of Y takes
   (``row_bounds``; strong for binary AU columns). Summed over the rows still to come and added
   to the row minimum of the accumulated cost, it bounds the final value from below.
4. A candidate is skipped, or its DTW abandoned, as soon as such a lower bound exceeds the best
   value found so far (times 1 + 1e-9, a margin far above float64 rounding), see
   dtw._weighted_pair_bounded. A skipped candidate is therefore never the minimum, and the
   minimum is computed by the same arithmetic as tslearn: the result is bit-identical.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numba import njit, prange

from react_bench.metrics.dtw import (_W0, _W1, _W2, _group_bounds, _weighted_pair_bounded,
                                     au_pattern_tables)
from react_bench.metrics.reaction_tables import distinct_column_values

# numba's on-disk cache of the kernels below is keyed on this file only, yet they inline
# dtw._weighted_pair_bounded: when that kernel changes, change this file too (or clear
# __pycache__), else a stale compiled copy of the old kernel is loaded.

#: Relative margin on abandon thresholds; float64 rounding of a 750x750 DTW is ~1e-13.
ABANDON_MARGIN = 1e-9


@njit(cache=True, nogil=True)
def _diagonal_bound(xT: np.ndarray, yT: np.ndarray, work: np.ndarray) -> float:
    """Weighted cost of the diagonal path (plus a straight tail if lengths differ): one warping
    path, so an upper bound of the weighted DTW. xT (25, n) and yT (25, m) are transposed so the
    inner loops run over contiguous time. ``work``: scratch of length >= max(n, m)."""
    n = xT.shape[1]
    m = yT.shape[1]
    steps = max(n, m)
    res = 0.0
    for g in range(3):
        lo, hi = _group_bounds(g)
        for s in range(steps):
            work[s] = 0.0
        for d in range(lo, hi):
            if n == m:
                for s in range(n):
                    e = xT[d, s] - yT[d, s]
                    work[s] += e * e
            else:
                for s in range(steps):
                    e = xT[d, min(s, n - 1)] - yT[d, min(s, m - 1)]
                    work[s] += e * e
        acc = 0.0
        for s in range(steps):
            acc += work[s]
        w = _W0 if g == 0 else (_W1 if g == 1 else _W2)
        res += w * np.sqrt(acc)
    return res


#: Columns with at most this many distinct values use the exact nearest value (binary AUs);
#: others use the distance to the [min, max] envelope (cheaper, weaker, still a bound).
FEW_VALUES = 8


@njit(cache=True, nogil=True)
def row_bounds(xT: np.ndarray, vals: np.ndarray, counts: np.ndarray, out: np.ndarray,
               work: np.ndarray, gap: np.ndarray) -> None:
    """out[g, r] = sum over rows r' >= r of a lower bound of min_j cost_g(r', j); out[g, n] = 0.

    cost_g(r, j) = sum_d (x[r,d] - y[j,d])^2 >= sum_d gap_d^2, where gap_d is the distance from
    x[r, d] to the nearest value column d of y takes (columns with few distinct values) or to
    the column's [min, max] range. Each term is <= the matching cost term in floating point
    too (rounding is monotone) and the sum over d runs in the same order; only the suffix sums
    need the caller's safety margin. xT is x transposed, (25, n), so every loop over rows is
    contiguous and vectorises. ``work``, ``gap``: scratch of length >= n."""
    n = xT.shape[1]
    for g in range(3):
        lo, hi = _group_bounds(g)
        for r in range(n):
            work[r] = 0.0
        for d in range(lo, hi):
            cnt = counts[d]
            if cnt <= FEW_VALUES:
                v0 = np.float64(vals[d, 0])
                for r in range(n):
                    gap[r] = abs(xT[d, r] - v0)
                for q in range(1, cnt):
                    vq = np.float64(vals[d, q])
                    for r in range(n):
                        gap[r] = min(gap[r], abs(xT[d, r] - vq))
                for r in range(n):
                    work[r] += gap[r] * gap[r]
            else:
                lo_v = np.float64(vals[d, 0])
                hi_v = np.float64(vals[d, cnt - 1])
                for r in range(n):
                    v = xT[d, r]
                    e = max(max(lo_v - v, v - hi_v), 0.0)
                    work[r] += e * e
        out[g, n] = 0.0
        for r in range(n - 1, -1, -1):
            out[g, r] = out[g, r + 1] + work[r]


@njit(cache=True, nogil=True)
def min_weighted_dtw(x: np.ndarray, lstT: np.ndarray, cand: np.ndarray, vals: np.ndarray,
                     counts: np.ndarray, au_ids: np.ndarray, au_tab: np.ndarray,
                     n_pat: np.ndarray) -> tuple[float, int]:
    """min over j in cand of the weighted DTW of x (T, 25) f64 and lstT[j] (25, T) f64.

    vals/counts: reaction_tables.distinct_column_values of the reactions; au_ids/au_tab/n_pat:
    dtw.au_pattern_tables of the reactions. Returns (value, number of DTWs run to
    the end)."""
    nc = cand.shape[0]
    n = x.shape[0]
    ub = np.empty(nc)
    lb = np.empty(nc)
    suffix = np.empty((nc, 3, n + 1))
    work = np.empty(max(n, lstT.shape[2]))
    gap = np.empty(n)
    xT = np.ascontiguousarray(x.T)
    for q in range(nc):
        j = cand[q]
        ub[q] = _diagonal_bound(xT, lstT[j], work)
        row_bounds(xT, vals[j], counts[j], suffix[q], work, gap)
        v = _W0 * np.sqrt(suffix[q, 0, 0])
        v += _W1 * np.sqrt(suffix[q, 1, 0])
        v += _W2 * np.sqrt(suffix[q, 2, 0])
        lb[q] = v
    order = np.argsort(ub, kind="mergesort")
    best = ub[order[0]]
    have_exact = False
    full = 0
    for r in range(nc):
        q = order[r]
        bound = best * (1.0 + ABANDON_MARGIN)
        if lb[q] > bound:
            continue
        j = cand[q]
        v = _weighted_pair_bounded(x, lstT[j], bound, suffix[q], au_ids[j], au_tab[j], n_pat[j])
        if v < np.inf:
            full += 1
            if not have_exact or v < best:
                best = v
                have_exact = True
    return best, full


@njit(cache=True, parallel=True)
def _frdist_kernel(pred: np.ndarray, lstT: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
                   vals: np.ndarray, counts: np.ndarray, au_ids: np.ndarray, au_tab: np.ndarray,
                   n_pat: np.ndarray, rep: np.ndarray, k0: int, k1: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    n = pred.shape[1]
    count = k1 - k0
    out = np.full((count, n), np.nan)
    full = np.zeros((count, n), dtype=np.int64)
    for p in prange(count * n):
        kk = p // n
        i = p - kk * n
        k = k0 + kk
        if rep[k, i] != i:          # an identical earlier sample: copied by the caller
            continue
        x = pred[k, i].astype(np.float64)
        v, f = min_weighted_dtw(x, lstT, indices[indptr[k]:indptr[k + 1]], vals, counts,
                                au_ids, au_tab, n_pat)
        out[kk, i] = v
        full[kk, i] = f
    return out, full


def repeated_samples(pred: np.ndarray) -> np.ndarray:
    """rep[k, i] = the first sample of direction k identical to sample i (i itself if none).

    Baselines such as GT or Mime repeat one sequence n times; its minimum is computed once."""
    s, n = pred.shape[:2]
    rep = np.tile(np.arange(n), (s, 1))
    if n == 1:
        return rep
    sums = np.empty((s, n))
    for a in range(0, s, 64):                     # cheap fingerprint, chunked (no big temporary)
        sums[a:a + 64] = pred[a:a + 64].sum(axis=(2, 3), dtype=np.float64)
    for k in range(s):
        for i in range(1, n):
            for i2 in range(i):
                if rep[k, i2] == i2 and sums[k, i2] == sums[k, i] and np.array_equal(pred[k, i2], pred[k, i]):
                    rep[k, i] = i2
                    break
    return rep


def frdist_best(
    pred: np.ndarray,
    lst: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    chunk: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """(S, n) min-over-appropriate weighted DTW of every prediction, and the number of full DTWs.

    pred (S, n, T, 25) and lst (S, T, 25) are float32. Work is cut into chunks of directions so
    ``progress(done, total)`` can be reported between numba calls (default chunk: ~2 % of S, 8 to 32).
    """
    s = pred.shape[0]
    if chunk is None:  # ~50 progress updates (numba holds the GIL, so bars redraw between chunks);
        chunk = min(32, max(8, -(-s // 50)))  # 32 at paper size, as before: no cost in load balance
    lstT = np.empty((lst.shape[0], lst.shape[2], lst.shape[1]))  # (S, 25, T) float64, one pass
    lstT[...] = np.asarray(lst, dtype=np.float32).transpose(0, 2, 1)
    pred = np.ascontiguousarray(pred, dtype=np.float32)
    vals, counts = distinct_column_values(lst)
    au_ids, au_tab, n_pat = au_pattern_tables(lst)
    rep = repeated_samples(pred)
    out = np.empty(pred.shape[:2])
    n_full = 0
    for k0 in range(0, s, chunk):
        k1 = min(s, k0 + chunk)
        best, full = _frdist_kernel(pred, lstT, indptr, indices, vals, counts, au_ids, au_tab,
                                    n_pat, rep, k0, k1)
        rows = np.arange(k1 - k0)[:, None]
        out[k0:k1] = best[rows, rep[k0:k1]]
        n_full += int(full.sum())
        if progress is not None:
            progress(k1, s)
    return out, n_full


def frdist_from_best(best: np.ndarray) -> float:
    """Official reduction: per direction ``acc += min`` over samples, then np.mean over directions."""
    acc = np.zeros(best.shape[0])
    for i in range(best.shape[1]):
        acc += best[:, i]
    return float(np.mean(acc))

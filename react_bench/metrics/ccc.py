"""FRCorr (official CCC, metric/FRC.py) and PCC (project definition), one numba pass for both.

For a prediction X (T, D) and an appropriate real reaction Y (T, D), per column d:

    r_d   = Pearson r as np.corrcoef(Y_d, X_d)[0, 1] in float64 (cov with ddof 1, then
            (cov / sd_Y) / sd_X); NaN (constant column) -> 0, clipped to [-1, 1]   [official quirk]
    c_d   = 2 r_d sd_Y sd_X / (var_Y + var_X + (mu_Y - mu_X)^2 + 1e-8)
            mu/var/sd: ddof 0, float32 statistics as numpy computes them on float32 arrays
    CCC   = mean over all D columns of c_d   (constant columns count as 0)
    PCC   = mean of r_d over the columns that are non-constant in both X and Y; 0 if none
            (project definition, docs/metrics.md; no abs)

FRCorr = mean over directions k of sum over samples i of max over j in A(k) of CCC(L[j], P[k,i]);
PCC    = mean over directions k and samples i of max over j in A(k) of PCC(L[j], P[k,i]).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from react_bench.metrics.quirks import CCC_DENOMINATOR_EPS, official_corr_nan_to_zero


#: numpy's pairwise summation (``pairwise_sum`` in numpy/_core/src/umath/loops_utils.h.src):
#: blocks of at most PAIRWISE_BLOCK values are summed with PAIRWISE_UNROLL interleaved accumulators.
PAIRWISE_BLOCK = 128
PAIRWISE_UNROLL = 8
_PAIRWISE_MAX_DEPTH = 64        # the tree's depth is about log2(T / 128) + 1


def float32_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The official per-column ``np.mean(y[:, i])``, ``np.var(y[:, i])``, ``np.std(y[:, i])``.

    metric/FRC.py computes the statistics of each column of a (T, 25) float32 array separately, a
    1-D float32 reduction, which numpy sums with its pairwise algorithm in float32 (not frame after
    frame, as ``np.mean(x, axis=0)`` does). Returns float32 arrays of shape x.shape[:-2] + (D,)
    bit-identical to those calls (tests/test_ccc_stats.py):

    * sum = 0 + pairwise_sum(column): n < 8: plain loop; n <= 128: 8 accumulators stepping by 8,
      combined ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remainder in order; n > 128: split
      at n2 = n//2 rounded down to a multiple of 8 and recurse; all in float32;
    * mean = float32(sum / T) (numpy divides in float64 and casts back; the same value);
    * var = float32(pairwise_sum(square(x - mean)) / T) with x - mean and the square in float32
      (numpy's ``_var``); std = float32 sqrt(var).

    One numba pass, vectorised over the D columns of each block of frames."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    flat = x.reshape((-1,) + x.shape[-2:])
    mu, var, sd = _float32_stats_kernel(flat)
    out_shape = x.shape[:-2] + x.shape[-1:]
    return mu.reshape(out_shape), var.reshape(out_shape), sd.reshape(out_shape)


@njit(cache=True, nogil=True, inline="always")   # inlined: called, it does not vectorise (5x slower)
def _pairwise_leaf(x: np.ndarray, dim: int, start: int, n: int, out: np.ndarray, acc: np.ndarray,
                   mu: np.ndarray, squared_deviation: bool) -> None:
    """One block of numpy's pairwise sum (n <= PAIRWISE_BLOCK frames from frame `start`) of
    every column of x, the row-major (T * dim,) float32 data, into out (dim,).

    The summed value is x, or with squared_deviation the float32 (x - mu)^2 (mu tiled to
    8 * dim). acc (8 * dim,) holds the eight interleaved accumulators of every column:
    accumulator j of column d sums frames start + j, start + j + 8, ..., so eight consecutive
    frames (8 * dim contiguous values) are added to acc in one vectorisable sweep."""
    if n < PAIRWISE_UNROLL:
        for d in range(dim):
            out[d] = np.float32(0.0)
        for t in range(start, start + n):
            for d in range(dim):
                v = x[t * dim + d]
                if squared_deviation:
                    v = v - mu[d]
                    v = v * v
                out[d] += v
        return
    width = PAIRWISE_UNROLL * dim
    base = start * dim
    for q in range(width):
        v = x[base + q]
        if squared_deviation:
            v = v - mu[q]
            v = v * v
        acc[q] = v
    stop = start + n - n % PAIRWISE_UNROLL
    for t in range(start + PAIRWISE_UNROLL, stop, PAIRWISE_UNROLL):
        base = t * dim
        for q in range(width):
            v = x[base + q]
            if squared_deviation:
                v = v - mu[q]
                v = v * v
            acc[q] += v
    for d in range(dim):
        out[d] = (((acc[d] + acc[dim + d]) + (acc[2 * dim + d] + acc[3 * dim + d]))
                  + ((acc[4 * dim + d] + acc[5 * dim + d]) + (acc[6 * dim + d] + acc[7 * dim + d])))
    for t in range(stop, start + n):
        for d in range(dim):
            v = x[t * dim + d]
            if squared_deviation:
                v = v - mu[d]
                v = v * v
            out[d] += v


@njit(cache=True, nogil=True, inline="always")
def _pairwise_rows(x: np.ndarray, out: np.ndarray, acc: np.ndarray, seg: np.ndarray,
                   vals: np.ndarray, mu: np.ndarray, squared_deviation: bool) -> None:
    """out[d] = numpy's float32 pairwise sum of the column x[:, d] of a C-contiguous (T, D)
    array (or of its float32 squared deviations from mu, see _pairwise_leaf), for every column d.

    numpy recurses (n > PAIRWISE_BLOCK: sum(left n2) + sum(right n - n2), n2 = n // 2 rounded
    down to a multiple of 8); here the same tree is walked with an explicit stack (numba's
    cache does not handle recursive functions): seg holds (start, n, combine?) entries, vals the
    partial sums of finished subtrees, left before right."""
    dim = x.shape[1]
    flat = x.reshape(-1)
    seg[0, 0], seg[0, 1], seg[0, 2] = 0, x.shape[0], 0
    sp = 1
    vp = 0
    while sp > 0:
        sp -= 1
        start, n, combine = seg[sp, 0], seg[sp, 1], seg[sp, 2]
        if combine:                       # both halves done: left += right
            vp -= 1
            for d in range(dim):
                vals[vp - 1, d] += vals[vp, d]
        elif n <= PAIRWISE_BLOCK:
            _pairwise_leaf(flat, dim, start, n, vals[vp], acc, mu, squared_deviation)
            vp += 1
        else:
            n2 = n // 2
            n2 -= n2 % PAIRWISE_UNROLL
            seg[sp, 0], seg[sp, 1], seg[sp, 2] = start, n, 1                  # then combine
            seg[sp + 1, 0], seg[sp + 1, 1], seg[sp + 1, 2] = start + n2, n - n2, 0   # then right
            seg[sp + 2, 0], seg[sp + 2, 1], seg[sp + 2, 2] = start, n2, 0      # left first
            sp += 3
    for d in range(dim):
        out[d] = vals[0, d]


@njit(cache=True, parallel=True)
def _float32_stats_kernel(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(B, T, D) float32 -> per-column mean, var (ddof 0), std (B, D) as numpy computes them on
    each 1-D column (see float32_stats)."""
    n_series, t_len, dim = x.shape
    mu = np.empty((n_series, dim), dtype=np.float32)
    var = np.empty((n_series, dim), dtype=np.float32)
    sd = np.empty((n_series, dim), dtype=np.float32)
    count = np.float32(t_len)
    for b in prange(n_series):
        acc = np.empty(PAIRWISE_UNROLL * dim, dtype=np.float32)
        seg = np.empty((2 * _PAIRWISE_MAX_DEPTH + 1, 3), dtype=np.int64)
        vals = np.empty((_PAIRWISE_MAX_DEPTH + 1, dim), dtype=np.float32)
        total = np.empty(dim, dtype=np.float32)
        mu_tiled = np.zeros(PAIRWISE_UNROLL * dim, dtype=np.float32)
        _pairwise_rows(x[b], total, acc, seg, vals, mu_tiled, False)
        for d in range(dim):
            # the reduction starts from add's identity 0 (turns an all -0.0 sum into +0.0)
            mu[b, d] = (np.float32(0.0) + total[d]) / count
        for q in range(PAIRWISE_UNROLL * dim):
            mu_tiled[q] = mu[b, q % dim]
        _pairwise_rows(x[b], total, acc, seg, vals, mu_tiled, True)
        for d in range(dim):
            v = (np.float32(0.0) + total[d]) / count
            var[b, d] = v
            sd[b, d] = np.sqrt(v)
    return mu, var, sd


@njit(cache=True, nogil=True, error_model="numpy")
def _center64(x: np.ndarray, out: np.ndarray, ss: np.ndarray) -> None:
    """out = x (float64) minus its column means; ss = column sums of squared deviations."""
    t_len, dim = x.shape
    mean = np.zeros(dim)
    for t in range(t_len):
        for d in range(dim):
            mean[d] += np.float64(x[t, d])
    for d in range(dim):
        mean[d] /= t_len
        ss[d] = 0.0
    for t in range(t_len):
        for d in range(dim):
            v = np.float64(x[t, d]) - mean[d]
            out[t, d] = v
            ss[d] += v * v


@njit(cache=True, nogil=True, error_model="numpy")
def _pair_scores(xc, ssx, mux, varx, sdx, yc, ssy, muy, vary, sdy, sxy) -> tuple[float, float]:
    """(CCC, PCC) of one (prediction, reaction) pair from centred float64 data and float32 stats."""
    t_len, dim = xc.shape
    for d in range(dim):
        sxy[d] = 0.0
    for t in range(t_len):
        for d in range(dim):
            sxy[d] += xc[t, d] * yc[t, d]
    fact = t_len - 1.0
    ccc_sum = 0.0
    pcc_sum = 0.0
    n_valid = 0
    for d in range(dim):
        # np.corrcoef(Y, X): c /= sd[:, None]; c /= sd[None, :]  -> (cov / sd_Y) / sd_X
        r = (sxy[d] / fact) / np.sqrt(ssy[d] / fact) / np.sqrt(ssx[d] / fact)
        r = official_corr_nan_to_zero(r)
        # float32 denominator (numpy float32 arithmetic), float64 numerator
        diff = muy[d] - mux[d]
        den = vary[d] + varx[d] + diff * diff + CCC_DENOMINATOR_EPS
        ccc_sum += (2.0 * r * np.float64(sdy[d]) * np.float64(sdx[d])) / np.float64(den)
        if ssx[d] > 0.0 and ssy[d] > 0.0:
            pcc_sum += r
            n_valid += 1
    pcc = pcc_sum / n_valid if n_valid > 0 else 0.0
    return ccc_sum / dim, pcc


@njit(cache=True, parallel=True, error_model="numpy")
def _ccc_pcc_kernel(pred, lst, indptr, indices, pmu, pvar, psd, lmu, lvar, lsd):
    """Per (direction, sample): max over appropriate reactions of CCC and of PCC."""
    s, n, t_len, dim = pred.shape
    best_ccc = np.empty((s, n))
    best_pcc = np.empty((s, n))
    for k in prange(s):
        a, b = indptr[k], indptr[k + 1]
        xc = np.empty((t_len, dim))
        ssx = np.empty(dim)
        yc = np.empty((b - a, t_len, dim))   # centred appropriate reactions of direction k
        ssy = np.empty((b - a, dim))
        sxy = np.empty(dim)
        for q in range(a, b):
            _center64(lst[indices[q]], yc[q - a], ssy[q - a])
        for i in range(n):
            _center64(pred[k, i], xc, ssx)
            bc = -np.inf
            bp = -np.inf
            for q in range(a, b):
                j = indices[q]
                c, p = _pair_scores(xc, ssx, pmu[k, i], pvar[k, i], psd[k, i],
                                    yc[q - a], ssy[q - a], lmu[j], lvar[j], lsd[j], sxy)
                bc = max(bc, c)
                bp = max(bp, p)
            best_ccc[k, i] = bc
            best_pcc[k, i] = bp
    return best_ccc, best_pcc


def ccc_pcc_best(pred: np.ndarray, lst: np.ndarray, indptr: np.ndarray, indices: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(S, n) arrays: max-over-appropriate CCC and PCC of every prediction."""
    pmu, pvar, psd = float32_stats(pred)
    lmu, lvar, lsd = float32_stats(lst)
    return _ccc_pcc_kernel(pred, lst, indptr, indices, pmu, pvar, psd, lmu, lvar, lsd)


def paired_ccc(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(S,) official CCC of each pair (x[s], y[s]) of (S, T, 25) sequences, through the FRCorr kernel
    with one appropriate row per direction."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.ascontiguousarray(y, dtype=np.float32)
    s = x.shape[0]
    best, _ = ccc_pcc_best(np.ascontiguousarray(x[:, None]), y, np.arange(s + 1, dtype=np.int64),
                           np.arange(s, dtype=np.int64))
    return best[:, 0]


def frcorr_from_best(best_ccc: np.ndarray) -> float:
    """Official reduction: per direction the sum over samples, then the mean over directions."""
    return float(np.mean(sum_over_samples(best_ccc)))


def sum_over_samples(best: np.ndarray) -> np.ndarray:
    """``acc = 0; for i: acc += best[k, i]`` per direction, in the official order."""
    out = np.zeros(best.shape[0])
    for i in range(best.shape[1]):
        out += best[:, i]
    return out


def pcc_from_best(best_pcc: np.ndarray) -> float:
    """Project PCC: mean over samples and directions."""
    return float(np.mean(best_pcc))

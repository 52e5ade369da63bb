"""Synchrony: time-lagged cross-correlation offset (metric/TLCC.py), vectorised over lags.

For a prediction X and the speaker Y (T, D) and each lag l in -49..49:

    rho(l) = mean over d of np.corrcoef(X_d window, Y_d window)[0, 1]   (then cast to float32)
    windows: l >= 0: X[l:] with Y[:T-l];  l < 0: X[:T+l] with Y[-l:]

The pair's score is |49 - argmax(rho)| with torch's argmax rules (quirks.tlcc_argmax_first_nan):
a column that is constant over a window makes np.corrcoef return NaN, so rho(l) is NaN, and the
first NaN lag wins the argmax. Constancy is tested exactly (equal consecutive float32 values),
so when any lag is NaN no correlation needs computing at all. Otherwise every column is shifted
by its mean (r is shift-invariant), window sums come from float64 prefix sums, and the 99 lagged
cross products of one column are accumulated in one vectorisable sweep over time.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from react_bench.metrics.quirks import (SYNCHRONY_OFFICIAL_SAMPLE, TLCC_MAX_LAG,
                                        tlcc_argmax_first_nan)


@njit(cache=True, nogil=True, error_model="numpy")
def _run_starts(col: np.ndarray, out: np.ndarray) -> None:
    """out[t] = first index of the run of equal values that ends at t."""
    out[0] = 0
    for t in range(1, col.shape[0]):
        out[t] = out[t - 1] if col[t] == col[t - 1] else t


@njit(cache=True, nogil=True, error_model="numpy")
def _first_nan_lag(x: np.ndarray, y: np.ndarray, max_lag: int) -> int:
    """Index (0 = lag -max_lag) of the first lag whose windows hold a constant column; -1 if none."""
    t_len, dim = x.shape
    n_lags = 2 * max_lag + 1
    rx = np.empty(t_len, dtype=np.int64)
    ry = np.empty(t_len, dtype=np.int64)
    first = n_lags
    for d in range(dim):
        _run_starts(x[:, d], rx)
        _run_starts(y[:, d], ry)
        for idx in range(first):
            lag = idx - max_lag
            if lag >= 0:   # X[lag:T], Y[0:T-lag]
                const = rx[t_len - 1] <= lag or ry[t_len - lag - 1] <= 0
            else:          # X[0:T+lag], Y[-lag:T]
                const = rx[t_len + lag - 1] <= 0 or ry[t_len - 1] <= -lag
            if const:
                first = idx
                break
    return first if first < n_lags else -1


@njit(cache=True, nogil=True, error_model="numpy")
def _lagged_rho(x: np.ndarray, y: np.ndarray, max_lag: int) -> np.ndarray:
    """float32 rho for every lag; only called when no window is constant."""
    t_len, dim = x.shape
    n_lags = 2 * max_lag + 1
    rho = np.zeros(n_lags)
    xs = np.empty(t_len)
    ys = np.empty(t_len)
    px = np.zeros(t_len + 1)
    pxx = np.zeros(t_len + 1)
    py = np.zeros(t_len + 1)
    pyy = np.zeros(t_len + 1)
    cross = np.empty(n_lags)
    for d in range(dim):
        mx = 0.0
        my = 0.0
        for t in range(t_len):
            mx += np.float64(x[t, d])
            my += np.float64(y[t, d])
        mx /= t_len
        my /= t_len
        for t in range(t_len):
            xs[t] = np.float64(x[t, d]) - mx
            ys[t] = np.float64(y[t, d]) - my
            px[t + 1] = px[t] + xs[t]
            pxx[t + 1] = pxx[t] + xs[t] * xs[t]
            py[t + 1] = py[t] + ys[t]
            pyy[t + 1] = pyy[t] + ys[t] * ys[t]
        # cross[idx] = sum_t xs[t + lag] * ys[t], swept over t so the lag loop vectorises
        cross[:] = 0.0
        for t in range(t_len):
            lo = max(-max_lag, -t)
            hi = min(max_lag, t_len - 1 - t)
            yv = ys[t]
            for lag in range(lo, hi + 1):
                cross[lag + max_lag] += xs[t + lag] * yv
        for idx in range(n_lags):
            lag = idx - max_lag
            if lag >= 0:
                xa, xb, ya, yb = lag, t_len, 0, t_len - lag
            else:
                xa, xb, ya, yb = 0, t_len + lag, -lag, t_len
            n = xb - xa
            sx = px[xb] - px[xa]
            sy = py[yb] - py[ya]
            vx = (pxx[xb] - pxx[xa]) - sx * sx / n
            vy = (pyy[yb] - pyy[ya]) - sy * sy / n
            r = (cross[idx] - sx * sy / n) / np.sqrt(vx * vy)
            rho[idx] += min(1.0, max(-1.0, r))
    out = np.empty(n_lags, dtype=np.float32)
    for idx in range(n_lags):
        out[idx] = np.float32(rho[idx] / dim)
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def pair_offset(x: np.ndarray, y: np.ndarray, max_lag: int) -> int:
    """|offset| of one (prediction, speaker) pair."""
    idx = _first_nan_lag(x, y, max_lag)
    if idx < 0:
        idx = tlcc_argmax_first_nan(_lagged_rho(x, y, max_lag))
    return abs(max_lag - idx)


@njit(cache=True, parallel=True, error_model="numpy")
def _offsets_kernel(pred: np.ndarray, speaker: np.ndarray, max_lag: int) -> np.ndarray:
    s, n = pred.shape[0], pred.shape[1]
    out = np.empty((s, n), dtype=np.int64)
    for p in prange(s * n):
        k = p // n
        i = p - k * n
        out[k, i] = pair_offset(pred[k, i], speaker[k], max_lag)
    return out


def tlcc_offsets(pred: np.ndarray, speaker: np.ndarray, samples: str = "all") -> np.ndarray:
    """(S, n) |offset| per pair (samples="all"), or (S, 1) for the official sample only."""
    if pred.shape[2] <= TLCC_MAX_LAG:
        raise ValueError(f"TLCC needs more than {TLCC_MAX_LAG} frames, got {pred.shape[2]}")
    if samples == "official":
        sl = slice(SYNCHRONY_OFFICIAL_SAMPLE, SYNCHRONY_OFFICIAL_SAMPLE + 1)
        return _offsets_kernel(np.ascontiguousarray(pred[:, sl]), speaker, TLCC_MAX_LAG)
    return _offsets_kernel(pred, speaker, TLCC_MAX_LAG)


def synchrony_scores(offsets: np.ndarray) -> tuple[float, float]:
    """(Synchrony, Synchrony_all_samples) from the (S, n) offsets.

    Synchrony: official ``compute_TLCC_mp``, mean over directions of sample 0.
    Synchrony_all_samples: serial ``compute_TLCC``, float32 mean over all pairs.
    """
    official = float(np.mean(offsets[:, SYNCHRONY_OFFICIAL_SAMPLE].astype(np.float64)))
    all_samples = float(np.float32(offsets.sum()) / np.float32(offsets.size))
    return official, all_samples

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

Synchrony_nan_safe (react-bench's variant, not official; docs/metrics.md) uses the same lags,
windows and argmax rule, but rho(l) is the mean r over the columns whose two windows are both
non-constant at lag l (lags with no such column are left out; none left: |lag| = 49), and all
samples count. It needs the correlations exactly where the official score does not, so
_offsets_both_kernel computes both in one pass: each column's constancy is an interval of valid
lags (from its first and last run), and for a column that is piecewise constant with few runs
(binary AUs) the lagged cross products come from prefix-sum differences per run.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from react_bench.metrics.quirks import (SYNCHRONY_OFFICIAL_SAMPLE, SYNCHRONY_SATURATED, TLCC_MAX_LAG,
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
            if _window_constant(rx, ry, idx - max_lag, t_len):
                first = idx
                break
    return first if first < n_lags else -1


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _centre_column(a: np.ndarray, d: int, s: np.ndarray, p: np.ndarray, pp: np.ndarray) -> None:
    """s = column d of a (float64) minus its mean; p, pp = prefix sums of s and s^2 (length T+1)."""
    t_len = a.shape[0]
    m = 0.0
    for t in range(t_len):
        m += np.float64(a[t, d])
    m /= t_len
    p[0] = 0.0
    pp[0] = 0.0
    for t in range(t_len):
        v = np.float64(a[t, d]) - m
        s[t] = v
        p[t + 1] = p[t] + v
        pp[t + 1] = pp[t] + v * v


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _lag_cross(xs_pad: np.ndarray, ys: np.ndarray, max_lag: int, cross: np.ndarray) -> None:
    """cross[lag + max_lag] = sum_t xs[t + lag] * ys[t] over the overlap, for every lag.

    xs_pad is xs with max_lag zeros on each side, so every t runs over all lags (a fixed-length,
    vectorised inner loop, one accumulator per lag); the zero terms leave every sum unchanged."""
    t_len = ys.shape[0]
    n_lags = 2 * max_lag + 1
    cross[:] = 0.0
    stop = t_len - t_len % 4
    for t in range(0, stop, 4):   # four frames per pass over cross, still added in time order
        y0 = ys[t]
        y1 = ys[t + 1]
        y2 = ys[t + 2]
        y3 = ys[t + 3]
        for idx in range(n_lags):
            c = cross[idx] + xs_pad[t + idx] * y0
            c = c + xs_pad[t + 1 + idx] * y1
            c = c + xs_pad[t + 2 + idx] * y2
            cross[idx] = c + xs_pad[t + 3 + idx] * y3
    for t in range(stop, t_len):
        yv = ys[t]
        for idx in range(n_lags):
            cross[idx] += xs_pad[t + idx] * yv


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _window_r(cross_lag: float, px: np.ndarray, pxx: np.ndarray, py: np.ndarray, pyy: np.ndarray,
              lag: int, t_len: int) -> float:
    """Pearson r of one column's lag windows (X[lag:] with Y[:T-lag], or X[:T+lag] with Y[-lag:])
    from the prefix sums and the lagged cross product of the mean-shifted data, clipped to [-1, 1]."""
    if lag >= 0:
        xa, xb, ya, yb = lag, t_len, 0, t_len - lag
    else:
        xa, xb, ya, yb = 0, t_len + lag, -lag, t_len
    n = xb - xa
    sx = px[xb] - px[xa]
    sy = py[yb] - py[ya]
    vx = (pxx[xb] - pxx[xa]) - sx * sx / n
    vy = (pyy[yb] - pyy[ya]) - sy * sy / n
    r = (cross_lag - sx * sy / n) / np.sqrt(vx * vy)
    return min(1.0, max(-1.0, r))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _window_constant(rx: np.ndarray, ry: np.ndarray, lag: int, t_len: int) -> bool:
    """Whether the column is constant over the lag's X window or Y window (rx, ry: run starts)."""
    if lag >= 0:   # X[lag:T], Y[0:T-lag]
        return rx[t_len - 1] <= lag or ry[t_len - lag - 1] <= 0
    return rx[t_len + lag - 1] <= 0 or ry[t_len - 1] <= -lag   # X[0:T+lag], Y[-lag:T]


@njit(cache=True, nogil=True, error_model="numpy")
def _lagged_rho(x: np.ndarray, y: np.ndarray, max_lag: int) -> np.ndarray:
    """float32 rho for every lag; only called when no window is constant."""
    t_len, dim = x.shape
    n_lags = 2 * max_lag + 1
    rho = np.zeros(n_lags)
    xs_pad = np.zeros(t_len + 2 * max_lag)
    ys = np.empty(t_len)
    px = np.empty(t_len + 1)
    pxx = np.empty(t_len + 1)
    py = np.empty(t_len + 1)
    pyy = np.empty(t_len + 1)
    cross = np.empty(n_lags)
    for d in range(dim):
        _centre_column(x, d, xs_pad[max_lag:max_lag + t_len], px, pxx)
        _centre_column(y, d, ys, py, pyy)
        _lag_cross(xs_pad, ys, max_lag, cross)
        for idx in range(n_lags):
            rho[idx] += _window_r(cross[idx], px, pxx, py, pyy, idx - max_lag, t_len)
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


# --- Synchrony_nan_safe (react-bench's variant, not official) ---------------------------------


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _edge_runs(col: np.ndarray) -> tuple[int, int]:
    """(length of the first run of equal values, start of the last run) of a 1-D series."""
    t_len = col.shape[0]
    a = 1
    while a < t_len and col[a] == col[0]:
        a += 1
    b = t_len - 1
    while b > 0 and col[b - 1] == col[t_len - 1]:
        b -= 1
    return a, b


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _valid_lags(first_x: int, last_x: int, first_y: int, last_y: int, t_len: int) -> tuple[int, int]:
    """Inclusive range of the lags at which neither window of a column is constant.

    lag >= 0: X[lag:] is constant iff lag >= last_x, Y[:T-lag] iff T - lag <= first_y;
    lag < 0: X[:T+lag] iff T + lag <= first_x, Y[-lag:] iff -lag >= last_y (first_*: length of
    the first run, last_*: start of the last run). Each bound holds trivially on the other side
    of 0, so the valid lags are one interval (empty for a column constant in X or Y)."""
    lo = max(first_x - t_len + 1, 1 - last_y)
    hi = min(last_x - 1, t_len - first_y - 1)
    return lo, hi


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _lag_cross_runs(starts: np.ndarray, m: int, vs: np.ndarray, pw: np.ndarray, max_lag: int,
                    runs_on_x: bool, cross: np.ndarray, tmp: np.ndarray) -> None:
    """cross (see _lag_cross) when one series (vs, shifted) is constant on each of its m runs.

    A run [a, b) of value v adds v times the sum of the other series over the run shifted by the
    lag, cut to the overlap: a difference of the other series' prefix sums pw. Runs clear of
    both ends lie inside the overlap at every lag (one vectorised loop over the lags, into tmp,
    indexed by j = lag + max_lag for runs on y and max_lag - lag for runs on x); the others are
    cut lag by lag. Binary AU columns have a few dozen runs: m differences per lag instead of T
    products."""
    t_len = vs.shape[0]
    n_lags = 2 * max_lag + 1
    tmp[:] = 0.0
    cross[:] = 0.0
    for q in range(m):
        a = starts[q]
        b = starts[q + 1] if q + 1 < m else t_len
        v = vs[a]
        if a >= max_lag and b <= t_len - max_lag:
            # other series at index a + lag ... b - 1 + lag (runs on y) or a - lag ... (runs on x)
            pb = pw[b - max_lag:b + max_lag + 1]
            pa = pw[a - max_lag:a + max_lag + 1]
            for j in range(n_lags):
                tmp[j] += v * (pb[j] - pa[j])
        else:
            for idx in range(n_lags):
                lag = idx - max_lag
                if runs_on_x:      # x index u in [max(0, lag), min(T, T + lag)), y at u - lag
                    lo, hi, shift = max(0, lag), min(t_len, t_len + lag), -lag
                else:              # y index t in [max(0, -lag), min(T, T - lag)), x at t + lag
                    lo, hi, shift = max(0, -lag), min(t_len, t_len - lag), lag
                aa = max(a, lo)
                bb = min(b, hi)
                if aa < bb:
                    cross[idx] += v * (pw[bb + shift] - pw[aa + shift])
    for idx in range(n_lags):
        cross[idx] += tmp[n_lags - 1 - idx] if runs_on_x else tmp[idx]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _shifted_column(x: np.ndarray, d: int, s: np.ndarray, p: np.ndarray, pp: np.ndarray,
                    starts: np.ndarray) -> int:
    """One pass over column d of x: s = float64 values minus the first one (r is shift-invariant),
    p, pp = prefix sums of s and s^2, starts[:m] = starts of the runs of equal values; m."""
    t_len = x.shape[0]
    x0 = np.float64(x[0, d])
    p[0] = 0.0
    pp[0] = 0.0
    starts[0] = 0
    m = 1
    prev = x[0, d]
    for t in range(t_len):
        cur = x[t, d]
        if cur != prev:
            starts[m] = t
            m += 1
        prev = cur
        v = np.float64(cur) - x0
        s[t] = v
        p[t + 1] = p[t] + v
        pp[t + 1] = pp[t] + v * v
    return m


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _lag_r_all(cross, px, pxx, py, pyy, max_lag: int, r: np.ndarray) -> None:
    """r[idx] = _window_r(cross[idx], ..., lag) for every lag, in two branch-free loops."""
    t_len = px.shape[0] - 1
    for idx in range(max_lag):                      # lag < 0: X[:T+lag], Y[-lag:]
        lag = idx - max_lag
        n = t_len + lag
        sx = px[t_len + lag] - px[0]
        sy = py[t_len] - py[-lag]
        vx = (pxx[t_len + lag] - pxx[0]) - sx * sx / n
        vy = (pyy[t_len] - pyy[-lag]) - sy * sy / n
        r[idx] = min(1.0, max(-1.0, (cross[idx] - sx * sy / n) / np.sqrt(vx * vy)))
    for idx in range(max_lag, 2 * max_lag + 1):     # lag >= 0: X[lag:], Y[:T-lag]
        lag = idx - max_lag
        n = t_len - lag
        sx = px[t_len] - px[lag]
        sy = py[t_len - lag] - py[0]
        vx = (pxx[t_len] - pxx[lag]) - sx * sx / n
        vy = (pyy[t_len - lag] - pyy[0]) - sy * sy / n
        r[idx] = min(1.0, max(-1.0, (cross[idx] - sx * sy / n) / np.sqrt(vx * vy)))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _same_series(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two (T, D) arrays hold the same values (stops at the first difference)."""
    for t in range(a.shape[0]):
        for d in range(a.shape[1]):
            if a[t, d] != b[t, d]:
                return False
    return True


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _prepare_speaker(y, ys, py, pyy, y_first, y_last, y_starts, y_nruns) -> None:
    """Per column d of the speaker y (T, D): shifted values ys[d], prefix sums py[d], pyy[d], the
    first run's length y_first[d], the last run's start y_last[d], run starts y_starts[d, :y_nruns[d]]."""
    for d in range(y.shape[1]):
        y_nruns[d] = _shifted_column(y, d, ys[d], py[d], pyy[d], y_starts[d])
        y_first[d], y_last[d] = _edge_runs(y[:, d])


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _column_lag_ranges(x, y_first, y_last, max_lag, lo, hi) -> int:
    """lo[d], hi[d] = valid lags of column d (_valid_lags); returns the official first NaN lag
    index (the first lag with a constant window in any column), or 2 * max_lag + 1 if none."""
    t_len, dim = x.shape
    first = 2 * max_lag + 1
    for d in range(dim):
        fx, lx = _edge_runs(x[:, d])
        lo[d], hi[d] = _valid_lags(fx, lx, y_first[d], y_last[d], t_len)
        if lo[d] > -max_lag:
            first = 0
        elif hi[d] < max_lag:
            first = min(first, max(0, hi[d] + 1 + max_lag))
    return first


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _nan_safe_sums(x, lo, hi, ys, py, pyy, y_starts, y_nruns, max_lag, xs_pad, px, pxx, x_starts,
                   cross, tmp, r, rho, count) -> None:
    """rho[idx] = sum of r and count[idx] = number of the columns valid at lag idx - max_lag
    (both windows non-constant: lo[d] <= lag <= hi[d]); one pair, the speaker prepared."""
    t_len, dim = x.shape
    xs = xs_pad[max_lag:max_lag + t_len]
    rho[:] = 0.0
    count[:] = 0
    for d in range(dim):
        a_lag = max(lo[d], -max_lag)
        b_lag = min(hi[d], max_lag)
        if a_lag > b_lag:
            continue
        mx = _shifted_column(x, d, xs, px, pxx, x_starts)
        my = y_nruns[d]
        if 4 * min(mx, my) < t_len:
            if mx <= my:
                _lag_cross_runs(x_starts, mx, xs, py[d], max_lag, True, cross, tmp)
            else:
                _lag_cross_runs(y_starts[d], my, ys[d], px, max_lag, False, cross, tmp)
        else:
            _lag_cross(xs_pad, ys[d], max_lag, cross)
        _lag_r_all(cross, px, pxx, py[d], pyy[d], max_lag, r)
        for idx in range(a_lag + max_lag, b_lag + max_lag + 1):
            v = r[idx]
            ok = v == v                    # a rounding-degenerate window counts as constant
            rho[idx] += v if ok else 0.0
            count[idx] += 1 if ok else 0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _nan_safe_argmax(rho, count, rho32) -> int:
    """torch.argmax rule over the float32 mean r of the lags that have a valid column (the
    others are -inf; if every lag is left out: index 0, i.e. |offset| = max_lag)."""
    for idx in range(rho.shape[0]):
        rho32[idx] = np.float32(rho[idx] / count[idx]) if count[idx] > 0 else -np.inf
    return tlcc_argmax_first_nan(rho32)


@njit(cache=True, nogil=True, error_model="numpy")
def _nan_safe_curve(x: np.ndarray, y: np.ndarray, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """(sum of r, number of valid columns) per lag for one pair: the kernel's code, callable alone."""
    t_len, dim = x.shape
    n_lags = 2 * max_lag + 1
    ys = np.empty((dim, t_len))
    py = np.empty((dim, t_len + 1))
    pyy = np.empty((dim, t_len + 1))
    y_first = np.empty(dim, dtype=np.int64)
    y_last = np.empty(dim, dtype=np.int64)
    y_starts = np.empty((dim, t_len), dtype=np.int64)
    y_nruns = np.empty(dim, dtype=np.int64)
    _prepare_speaker(y, ys, py, pyy, y_first, y_last, y_starts, y_nruns)
    lo = np.empty(dim, dtype=np.int64)
    hi = np.empty(dim, dtype=np.int64)
    _column_lag_ranges(x, y_first, y_last, max_lag, lo, hi)
    rho = np.empty(n_lags)
    count = np.empty(n_lags, dtype=np.int64)
    _nan_safe_sums(x, lo, hi, ys, py, pyy, y_starts, y_nruns, max_lag, np.zeros(t_len + 2 * max_lag),
                   np.empty(t_len + 1), np.empty(t_len + 1), np.empty(t_len, dtype=np.int64),
                   np.empty(n_lags), np.empty(n_lags), np.empty(n_lags), rho, count)
    return rho, count


@njit(cache=True, parallel=True, error_model="numpy")
def _offsets_both_kernel(pred: np.ndarray, speaker: np.ndarray, max_lag: int):
    """(S, n) official and NaN-safe |offset| of every pair.

    Official: the first lag whose windows hold a constant column (from each column's interval
    of valid lags, _valid_lags), else the argmax of the official mean r (_lagged_rho).
    NaN-safe: per lag the mean r over the columns valid at that lag, lags without any valid
    column left out, first maximum (torch.argmax's rule); every lag left out -> index 0 ->
    |offset| = max_lag. A pair with no constant window has no NaN lag and both definitions are
    the same mean over all columns, so both take the official computation there. A sample equal
    to an earlier sample of its direction (GT, mime) is computed once."""
    s, n, t_len, dim = pred.shape
    n_lags = 2 * max_lag + 1
    official = np.empty((s, n), dtype=np.int64)
    safe = np.empty((s, n), dtype=np.int64)
    for k in prange(s):
        y = speaker[k]
        ys = np.empty((dim, t_len))
        py = np.empty((dim, t_len + 1))
        pyy = np.empty((dim, t_len + 1))
        y_first = np.empty(dim, dtype=np.int64)
        y_last = np.empty(dim, dtype=np.int64)
        y_starts = np.empty((dim, t_len), dtype=np.int64)
        y_nruns = np.empty(dim, dtype=np.int64)
        _prepare_speaker(y, ys, py, pyy, y_first, y_last, y_starts, y_nruns)
        xs_pad = np.zeros(t_len + 2 * max_lag)   # zero margins of max_lag (see _lag_cross)
        px = np.empty(t_len + 1)
        pxx = np.empty(t_len + 1)
        x_starts = np.empty(t_len, dtype=np.int64)
        lo = np.empty(dim, dtype=np.int64)
        hi = np.empty(dim, dtype=np.int64)
        cross = np.empty(n_lags)
        tmp = np.empty(n_lags)
        r = np.empty(n_lags)
        rho = np.empty(n_lags)
        count = np.empty(n_lags, dtype=np.int64)
        rho32 = np.empty(n_lags, dtype=np.float32)
        for i in range(n):
            x = pred[k, i]
            same = -1
            for j in range(i):
                if _same_series(x, pred[k, j]):
                    same = j
                    break
            if same >= 0:
                official[k, i] = official[k, same]
                safe[k, i] = safe[k, same]
                continue
            first = _column_lag_ranges(x, y_first, y_last, max_lag, lo, hi)
            if first == n_lags:
                a = tlcc_argmax_first_nan(_lagged_rho(x, y, max_lag))
                official[k, i] = abs(max_lag - a)
                safe[k, i] = abs(max_lag - a)
                continue
            official[k, i] = abs(max_lag - first)
            _nan_safe_sums(x, lo, hi, ys, py, pyy, y_starts, y_nruns, max_lag, xs_pad, px, pxx,
                           x_starts, cross, tmp, r, rho, count)
            safe[k, i] = abs(max_lag - _nan_safe_argmax(rho, count, rho32))
    return official, safe


def _check_frames(pred: np.ndarray) -> None:
    if pred.shape[2] <= TLCC_MAX_LAG:
        raise ValueError(f"TLCC needs more than {TLCC_MAX_LAG} frames, got {pred.shape[2]}")


def tlcc_offsets(pred: np.ndarray, speaker: np.ndarray, samples: str = "all") -> np.ndarray:
    """(S, n) |offset| per pair (samples="all"), or (S, 1) for the official sample only."""
    _check_frames(pred)
    if samples == "official":
        sl = slice(SYNCHRONY_OFFICIAL_SAMPLE, SYNCHRONY_OFFICIAL_SAMPLE + 1)
        return _offsets_kernel(np.ascontiguousarray(pred[:, sl]), speaker, TLCC_MAX_LAG)
    return _offsets_kernel(pred, speaker, TLCC_MAX_LAG)


def tlcc_offsets_with_nan_safe(pred: np.ndarray, speaker: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """((S, n) official |offset|, (S, n) NaN-safe |offset|) of every pair, in one pass.

    The official offsets equal tlcc_offsets(pred, speaker) (tested); see synchrony_nan_safe."""
    _check_frames(pred)
    return _offsets_both_kernel(np.ascontiguousarray(pred), np.ascontiguousarray(speaker), TLCC_MAX_LAG)


def nan_safe_rho(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per lag -49..49 of one pair (prediction x, speaker y, (T, D)): the NaN-safe mean r over the
    columns whose two windows are non-constant (NaN where there is none) and that column count.
    The scoring kernel's code, for tests and inspection (for a pair without any constant window
    the kernel takes the official computation instead, which agrees up to float64 rounding)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.ascontiguousarray(y, dtype=np.float32)
    sums, count = _nan_safe_curve(x, y, TLCC_MAX_LAG)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, sums / count, np.nan), count


def _torch_float32_mean(values: np.ndarray) -> float:
    """``torch.mean(torch.Tensor(values)).item()`` for integer values: the float32 sum (exact
    below 2**24) divided in float32 by the count."""
    return float(np.float32(values.sum()) / np.float32(values.size))


def synchrony_scores(offsets: np.ndarray) -> tuple[float, float]:
    """(Synchrony, Synchrony_all_samples) from the (S, n) official offsets.

    Synchrony: official ``compute_TLCC_mp``, float32 mean over directions of sample 0.
    Synchrony_all_samples: serial ``compute_TLCC``, float32 mean over all pairs.
    Both official functions return ``torch.mean(torch.Tensor(offset_list)).item()``.
    """
    official = _torch_float32_mean(offsets[:, SYNCHRONY_OFFICIAL_SAMPLE])
    all_samples = _torch_float32_mean(offsets)
    return official, all_samples


def official_sample_offsets(offsets: np.ndarray) -> np.ndarray:
    """(S,) float64 per-direction values whose mean is the official Synchrony (its sample)."""
    return np.asarray(offsets[:, SYNCHRONY_OFFICIAL_SAMPLE], np.float64)


def synchrony_nan_safe(safe_offsets: np.ndarray) -> float:
    """Synchrony_nan_safe (react-bench's variant, not official): the float64 mean over all S x n
    pairs of the NaN-safe |offset| (tlcc_offsets_with_nan_safe)."""
    return float(np.mean(safe_offsets.astype(np.float64)))


def synchrony_saturated_share(offsets: np.ndarray) -> float:
    """Share of directions whose official score (sample 0) is the saturated value
    SYNCHRONY_SATURATED (= TLCC_MAX_LAG): mostly every lag NaN, but a true |lag| at the edge of the
    range scores the same (the value cannot tell them apart)."""
    return float(np.mean(offsets[:, SYNCHRONY_OFFICIAL_SAMPLE] == SYNCHRONY_SATURATED))

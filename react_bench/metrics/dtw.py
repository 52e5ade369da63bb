"""Dynamic time warping with the exact semantics of ``tslearn.metrics.dtw`` (the official FRDist DTW).

Definition (react_metrics.md §2.1): no global constraint, steps (1,0)/(0,1)/(1,1), both ends
anchored, local cost = squared Euclidean distance between frames, result = sqrt of the minimal
accumulated cost. Inputs are cast to float32 (as the official code does) and the arithmetic is
float64, with the per-cell sum over dimensions done in the same order as tslearn, so results are
bit-identical to tslearn (tests/test_dtw.py).

FRDist weights the three REACT column groups (AU 0:15, VA 15:17, expression 17:25):

    d(X, Y) = (1/15)·DTW(AU) + 1·DTW(VA) + (1/8)·DTW(expr)

Every kernel here walks the cost matrix once for all three groups.

The weighted kernel computes, per row of the cost matrix, a vectorisable cost row for each
group, then runs the DP two rows at a time so that six independent dependency chains overlap.
It can abandon early against a bound (used by the exact min search in frdist.py).

No ``fastmath``: the DP uses infinities, and exact parity with tslearn forbids re-association.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from react_bench.constants import COLUMN_GROUPS, FRD_WEIGHTS, N_ATTRS
from react_bench.metrics.reaction_tables import distinct_rows

# The kernels hard-code the column groups (AU 0:15, VA 15:17, expression 17:25) as literals so
# the compiler sees constant loop bounds; this check keeps them tied to the shared constants.
assert tuple((g.start, g.stop) for g in COLUMN_GROUPS) == ((0, 15), (15, 17), (17, 25))
_W0, _W1, _W2 = FRD_WEIGHTS


def as_dtw_input(x: np.ndarray) -> np.ndarray:
    """Cast like the official code: float32 first (``.astype(np.float32)``), then float64 as tslearn."""
    arr = np.asarray(x)
    if arr.ndim == 1:
        arr = arr[:, None]
    return np.ascontiguousarray(arr.astype(np.float32), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# single group, one pair
# --------------------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def _dtw_pair(x: np.ndarray, yT: np.ndarray) -> float:
    """sqrt of the DTW accumulated squared-Euclidean cost. x: (n, d), yT: (d, m) (y transposed)."""
    n, dim = x.shape
    m = yT.shape[1]
    cost = np.empty(m)
    prev = np.full(m + 1, np.inf)   # prev[j + 1] = D[i - 1, j]; prev[0] is the column -1
    cur = np.empty(m + 1)
    prev[0] = 0.0                   # D[-1, -1] = 0 anchors the path at (0, 0)
    for i in range(n):
        # cost row: same summation order over dimensions as tslearn (0.0 + d0² + d1² + ...)
        cost[:] = 0.0
        for d in range(dim):
            xv = x[i, d]
            for j in range(m):
                diff = xv - yT[d, j]
                cost[j] += diff * diff
        cur[0] = np.inf
        left = np.inf
        for j in range(m):
            v = cost[j] + min(prev[j + 1], left, prev[j])
            cur[j + 1] = v
            left = v
        prev, cur = cur, prev
    return np.sqrt(prev[m])


# --------------------------------------------------------------------------------------------
# weighted triple, one pair (all three groups in one pass)
# --------------------------------------------------------------------------------------------

@njit(inline="always")
def _group_bounds(g: int) -> tuple[int, int]:
    """Column range [lo, hi) of FRDist group g: 0 AUs, 1 valence/arousal, 2 expressions."""
    lo = 0 if g == 0 else (15 if g == 1 else 17)
    hi = 15 if g == 0 else (17 if g == 1 else 25)
    return lo, hi


@njit(inline="always")
def _sq_au(xa, xb, xc, xd, xe, xf, xg, xh, xi, xj, xk, xl, xm, xn, xo, y: np.ndarray, k: int) -> float:
    """Squared distance over the 15 AU columns of an x frame (given as scalars) and column k of
    y (15+, K), summed in column order. The first term is e*e itself: tslearn's 0.0 + e*e is
    the same number (e*e is +0.0 or positive), so one addition is saved per cell."""
    e = xa - y[0, k]
    c = e * e
    e = xb - y[1, k]
    c += e * e
    e = xc - y[2, k]
    c += e * e
    e = xd - y[3, k]
    c += e * e
    e = xe - y[4, k]
    c += e * e
    e = xf - y[5, k]
    c += e * e
    e = xg - y[6, k]
    c += e * e
    e = xh - y[7, k]
    c += e * e
    e = xi - y[8, k]
    c += e * e
    e = xj - y[9, k]
    c += e * e
    e = xk - y[10, k]
    c += e * e
    e = xl - y[11, k]
    c += e * e
    e = xm - y[12, k]
    c += e * e
    e = xn - y[13, k]
    c += e * e
    e = xo - y[14, k]
    c += e * e
    return c


@njit(inline="always")
def _cost_rows(x: np.ndarray, i: int, yT: np.ndarray, cost: np.ndarray, au_ids: np.ndarray,
               au_tabT: np.ndarray, n_pat: int, tab: np.ndarray) -> None:
    """cost[g, j] = squared distance of frame x[i] and frame j of y over group g's columns.

    The loop over j is innermost so it vectorises, and each group's columns are unrolled inside
    it, so a cell's partial sum stays in a register (no load/store of cost per column). Per cell
    the sum over columns runs in column order, exactly like tslearn's ``_local_squared_dist``
    (its leading 0.0 + is dropped: adding +0.0 to a square changes nothing).

    With ``n_pat > 0`` the AU block of y is given as its ``n_pat`` distinct rows (au_tabT, one
    per column) and the pattern id of every frame (au_ids): the AU cost is computed once per
    distinct row and gathered, the same arithmetic on the same operands (binary AUs repeat a lot).
    """
    m = yT.shape[1]
    xa = x[i, 0]
    xb = x[i, 1]
    xc = x[i, 2]
    xd = x[i, 3]
    xe = x[i, 4]
    xf = x[i, 5]
    xg = x[i, 6]
    xh = x[i, 7]
    xi = x[i, 8]
    xj = x[i, 9]
    xk = x[i, 10]
    xl = x[i, 11]
    xm = x[i, 12]
    xn = x[i, 13]
    xo = x[i, 14]
    if n_pat > 0:
        for p in range(n_pat):
            tab[p] = _sq_au(xa, xb, xc, xd, xe, xf, xg, xh, xi, xj, xk, xl, xm, xn, xo, au_tabT, p)
        for j in range(m):
            cost[0, j] = tab[au_ids[j]]
    else:
        for j in range(m):
            cost[0, j] = _sq_au(xa, xb, xc, xd, xe, xf, xg, xh, xi, xj, xk, xl, xm, xn, xo, yT, j)
    v0 = x[i, 15]
    v1 = x[i, 16]
    for j in range(m):
        e = v0 - yT[15, j]
        c = e * e
        e = v1 - yT[16, j]
        c += e * e
        cost[1, j] = c
    z0 = x[i, 17]
    z1 = x[i, 18]
    z2 = x[i, 19]
    z3 = x[i, 20]
    z4 = x[i, 21]
    z5 = x[i, 22]
    z6 = x[i, 23]
    z7 = x[i, 24]
    for j in range(m):
        e = z0 - yT[17, j]
        c = e * e
        e = z1 - yT[18, j]
        c += e * e
        e = z2 - yT[19, j]
        c += e * e
        e = z3 - yT[20, j]
        c += e * e
        e = z4 - yT[21, j]
        c += e * e
        e = z5 - yT[22, j]
        c += e * e
        e = z6 - yT[23, j]
        c += e * e
        e = z7 - yT[24, j]
        c += e * e
        cost[2, j] = c


@njit(inline="always")
def _row_min(row: np.ndarray, m: int) -> float:
    """min of row[1 : m + 1] with four independent accumulators (a single min chain is
    latency-bound)."""
    a = np.inf
    b = np.inf
    c = np.inf
    d = np.inf
    j = 1
    while j + 3 <= m:
        a = min(a, row[j])
        b = min(b, row[j + 1])
        c = min(c, row[j + 2])
        d = min(d, row[j + 3])
        j += 4
    while j <= m:
        a = min(a, row[j])
        j += 1
    return min(min(a, b), min(c, d))


@njit(inline="always")
def _lower_bound(rmin: np.ndarray, suffix: np.ndarray, r: int) -> float:
    lb = _W0 * np.sqrt(rmin[0] + suffix[0, r])
    lb += _W1 * np.sqrt(rmin[1] + suffix[1, r])
    lb += _W2 * np.sqrt(rmin[2] + suffix[2, r])
    return lb


@njit(cache=True, nogil=True)
def _weighted_pair_bounded(x: np.ndarray, yT: np.ndarray, bound: float, suffix: np.ndarray,
                           au_ids: np.ndarray, au_tabT: np.ndarray, n_pat: int) -> float:
    """FRDist weighted DTW of x (n, 25) and y (given as yT (25, m)), float64.

    Returns inf as soon as the value provably exceeds ``bound`` (pass inf to always finish).
    Lower bound after row i, per group g: every warping path crosses row i (at a cell whose
    accumulated cost is >= the row minimum) and then at least one cell of each later row, so

        D_g[n-1, m-1] >= min_j D_g[i, j] + suffix[g, i + 1]

    where suffix[g, r] lower-bounds the summed cheapest cost of rows r.. (frdist.row_bounds;
    zeros are valid). The weighted sum of the square roots bounds the weighted result. Callers
    pass ``bound`` with a relative margin far above float64 rounding, so a pair abandoned here
    is never the minimum. au_ids/au_tabT/n_pat: see _cost_rows (n_pat = 0: not used).

    The DP runs two rows at a time, skewed by one column: cell (i, j) and cell (i+1, j-1) do not
    depend on each other, so six independent min/add chains (2 rows x 3 groups) overlap in the
    CPU pipeline. Each cell still gets exactly tslearn's value cost + min(up, left, diag).
    """
    n = x.shape[0]
    m = yT.shape[1]
    cost_a = np.empty((3, m))
    cost_b = np.empty((3, m))
    prev = np.full((3, m + 1), np.inf)   # prev[g, j + 1] = D_g[i - 1, j]; index 0 is column -1
    row_a = np.empty((3, m + 1))
    row_b = np.empty((3, m + 1))
    rmin = np.empty(3)
    tab = np.empty(max(n_pat, 1))
    prev[:, 0] = 0.0                     # D[-1, -1] = 0 anchors the path at (0, 0)
    i = 0
    while i < n:
        _cost_rows(x, i, yT, cost_a, au_ids, au_tabT, n_pat, tab)
        for g in range(3):
            row_a[g, 0] = np.inf
        if i + 1 < n:
            _cost_rows(x, i + 1, yT, cost_b, au_ids, au_tabT, n_pat, tab)
            for g in range(3):
                row_b[g, 0] = np.inf
            # Row i is never stored: each group carries, in registers, row i's last two cells
            # (p = column j-1, q = column j-2), the previous row's cell at column j-1 (u), and
            # row i+1's last cell (b). Cell (i, j) and cell (i+1, j-1) are then independent.
            u0 = prev[0, 0]
            u1 = prev[1, 0]
            u2 = prev[2, 0]
            p0 = np.inf                      # cell (i, -1)
            p1 = np.inf
            p2 = np.inf
            q0 = np.inf
            q1 = np.inf
            q2 = np.inf
            b0 = np.inf                      # cell (i + 1, -1)
            b1 = np.inf
            b2 = np.inf
            for j in range(m):
                # row i, column j: up = prev[j + 1], left = p, diag = u
                v0 = prev[0, j + 1]
                v1 = prev[1, j + 1]
                v2 = prev[2, j + 1]
                a0 = cost_a[0, j] + min(v0, p0, u0)
                a1 = cost_a[1, j] + min(v1, p1, u1)
                a2 = cost_a[2, j] + min(v2, p2, u2)
                if j > 0:
                    # row i + 1, column j - 1: up = (i, j-1) = p, left = b, diag = (i, j-2) = q
                    b0 = cost_b[0, j - 1] + min(p0, b0, q0)
                    b1 = cost_b[1, j - 1] + min(p1, b1, q1)
                    b2 = cost_b[2, j - 1] + min(p2, b2, q2)
                    row_b[0, j] = b0
                    row_b[1, j] = b1
                    row_b[2, j] = b2
                u0, u1, u2 = v0, v1, v2
                q0, q1, q2 = p0, p1, p2
                p0, p1, p2 = a0, a1, a2
            # row i + 1, column m - 1
            row_b[0, m] = cost_b[0, m - 1] + min(p0, b0, q0)
            row_b[1, m] = cost_b[1, m - 1] + min(p1, b1, q1)
            row_b[2, m] = cost_b[2, m - 1] + min(p2, b2, q2)
            last = row_b
            two = True
            i += 2
        else:
            for g in range(3):
                left = np.inf
                for j in range(m):
                    left = cost_a[g, j] + min(prev[g, j + 1], left, prev[g, j])
                    row_a[g, j + 1] = left
            last = row_a
            two = False
            i += 1
        if bound < np.inf:
            for g in range(3):
                rmin[g] = _row_min(last[g], m)
            if _lower_bound(rmin, suffix, i) > bound:
                return np.inf
        # rotate buffers: the finished last row becomes prev, the old prev is reused
        if two:
            prev, row_b = row_b, prev
        else:
            prev, row_a = row_a, prev
    res = _W0 * np.sqrt(prev[0, m])
    res += _W1 * np.sqrt(prev[1, m])
    res += _W2 * np.sqrt(prev[2, m])
    return res


@njit(cache=True, nogil=True)
def _weighted_pair(x: np.ndarray, yT: np.ndarray) -> float:
    """FRDist weighted DTW of one (n, 25) x (25, m) pair, computed to the end."""
    return _weighted_pair_bounded(x, yT, np.inf, np.zeros((3, x.shape[0] + 1)),
                                  np.zeros(1, dtype=np.int64), np.zeros((15, 1)), 0)


#: Use the AU pattern table when a reaction has at most this share of distinct AU rows.
PATTERN_SHARE = 0.7


def au_pattern_tables(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct AU rows of every series y (N, m, 25) (float32 values as float64).

    Returns (ids (N, m) int64, tables (N, 15, P_max) float64 transposed, counts (N,) int64);
    counts[k] = 0 where the table would not pay off (more than PATTERN_SHARE distinct rows)."""
    y32 = np.asarray(y, dtype=np.float32)
    m = y32.shape[1]
    ids, rows, counts = distinct_rows(y32[:, :, :15])
    tables = np.ascontiguousarray(rows.transpose(0, 2, 1), dtype=np.float64)
    counts = np.where(counts <= PATTERN_SHARE * m, counts, 0)
    return ids, tables, counts


@njit(cache=True, parallel=True)
def _weighted_cross_pairs(a: np.ndarray, bT: np.ndarray, ids: np.ndarray, tables: np.ndarray,
                          counts: np.ndarray) -> np.ndarray:
    """(n, T, 25) x (m, 25, T') -> (n, m), pairs spread over threads."""
    n = a.shape[0]
    m = bT.shape[0]
    t_len = a.shape[1]
    out = np.empty((n, m))
    for p in prange(n * m):
        i = p // m
        j = p - i * m
        out[i, j] = _weighted_pair_bounded(a[i], bT[j], np.inf, np.zeros((3, t_len + 1)),
                                           ids[j], tables[j], counts[j])
    return out


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------

def dtw(x: np.ndarray, y: np.ndarray) -> float:
    """DTW of two series (n, d) and (m, d) (1-D series are (n, 1)), equal to ``tslearn.metrics.dtw``
    on the float32-cast inputs. Inputs must be finite."""
    xx = as_dtw_input(x)
    yy = as_dtw_input(y)
    if xx.shape[1] != yy.shape[1]:
        raise ValueError(f"dtw: feature dimensions differ: {xx.shape} vs {yy.shape}")
    if xx.shape[0] == 0 or yy.shape[0] == 0:
        raise ValueError("dtw: empty series")
    return float(_dtw_pair(xx, np.ascontiguousarray(yy.T)))


def _check_react(arr: np.ndarray, name: str) -> None:
    if arr.ndim < 2 or arr.shape[-1] != N_ATTRS or arr.shape[-2] == 0:
        raise ValueError(f"{name}: expected (..., T, {N_ATTRS}) with T > 0, got {arr.shape}")


def weighted_dtw(x: np.ndarray, y: np.ndarray) -> float:
    """FRDist weighted DTW of one pair of (T, 25) series (lengths may differ)."""
    xx = as_dtw_input(x)
    yy = as_dtw_input(y)
    _check_react(xx, "x")
    _check_react(yy, "y")
    return float(_weighted_pair(xx, np.ascontiguousarray(yy.T)))


def weighted_dtw_cross(a: np.ndarray, b: np.ndarray, downsample: int = 1) -> np.ndarray:
    """FRDist weighted DTW of every pair: (n, T, 25) x (m, T', 25) -> (n, m) float64.

    ``downsample=k`` keeps every k-th frame of both inputs first (cheap approximations for
    long splits; k=1 is exact). Numba-parallel over pairs (``NUMBA_NUM_THREADS`` threads).
    """
    if downsample < 1:
        raise ValueError("downsample must be >= 1")
    aa = np.asarray(a)[:, ::downsample]
    bb = np.asarray(b)[:, ::downsample]
    if aa.ndim != 3 or bb.ndim != 3:
        raise ValueError(f"weighted_dtw_cross: expected 3-D inputs, got {aa.shape} and {bb.shape}")
    _check_react(aa, "a")
    _check_react(bb, "b")
    a64 = as_dtw_input_batch(aa)
    bT = np.ascontiguousarray(as_dtw_input_batch(bb).transpose(0, 2, 1))
    if a64.shape[0] == 0 or bT.shape[0] == 0:
        return np.zeros((a64.shape[0], bT.shape[0]))
    ids, tables, counts = au_pattern_tables(bb)
    return _weighted_cross_pairs(a64, bT, ids, tables, counts)


def as_dtw_input_batch(x: np.ndarray) -> np.ndarray:
    """Batch version of :func:`as_dtw_input` for (n, T, d) arrays."""
    return np.ascontiguousarray(np.asarray(x).astype(np.float32), dtype=np.float64)

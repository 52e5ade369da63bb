"""Per-reaction lookup tables for FRDist, built once per split in numba.

* distinct AU rows: binary AUs repeat a lot, so the DTW computes the AU cost once per distinct
  row (dtw._cost_rows);
* sorted distinct values of every column: the nearest-value lower bounds (frdist.row_bounds).

Both used to be np.unique loops (about 3.6 s of serial set-up at S = 1612); here each reaction is
one pass, and reactions run in parallel. Ids and values only feed exact lookups and bounds, so
the order in which distinct rows are numbered does not matter.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True, parallel=True)
def _row_keys(bits: np.ndarray) -> np.ndarray:
    """FNV-1a-style 64-bit hash of every row of bits (N, m, c) uint32 -> (N, m) uint64."""
    n_series, m, cols = bits.shape
    keys = np.empty((n_series, m), dtype=np.uint64)
    for k in prange(n_series):
        for t in range(m):
            h = _FNV_OFFSET
            for d in range(cols):
                h = (h ^ np.uint64(bits[k, t, d])) * _FNV_PRIME
            keys[k, t] = h
    return keys


@njit(cache=True, parallel=True)
def _group_rows(bits: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row ids (N, m), first occurrence of each distinct row (N, m; the first counts[k] are
    used) and counts (N,) for bits (N, m, c) grouped by keys (N, m).

    Inside a key group every row is compared in full with the group's distinct rows so far, so
    equal keys (a hash collision) never merge different rows."""
    n_series, m, cols = bits.shape
    ids = np.empty((n_series, m), dtype=np.int64)
    first = np.empty((n_series, m), dtype=np.int64)
    counts = np.zeros(n_series, dtype=np.int64)
    for k in prange(n_series):
        order = np.argsort(keys[k], kind="mergesort")
        n_pat = 0
        g0 = 0                                     # first distinct row of the current key group
        for pos in range(m):
            t = order[pos]
            if pos > 0 and keys[k, t] != keys[k, order[pos - 1]]:
                g0 = n_pat
            found = -1
            for p in range(g0, n_pat):
                r = first[k, p]
                same = True
                for d in range(cols):
                    if bits[k, t, d] != bits[k, r, d]:
                        same = False
                        break
                if same:
                    found = p
                    break
            if found < 0:
                first[k, n_pat] = t
                found = n_pat
                n_pat += 1
            ids[k, t] = found
        counts[k] = n_pat
    return ids, first, counts


def distinct_rows(block: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of every series of ``block`` (N, m, c), compared as float32 values.

    Returns (ids (N, m) int64: the distinct row of every frame, rows (N, P_max, c) float32: the
    distinct rows, zero padded, counts (N,) int64)."""
    b32 = np.ascontiguousarray(block, dtype=np.float32) + np.float32(0.0)   # -0.0 -> +0.0
    bits = b32.view(np.uint32)
    ids, first, counts = _group_rows(bits, _row_keys(bits))
    p_max = max(int(counts.max()) if len(counts) else 0, 1)
    rows = np.zeros((b32.shape[0], p_max, b32.shape[2]), dtype=np.float32)
    for k in range(b32.shape[0]):
        rows[k, :counts[k]] = b32[k, first[k, :counts[k]]]
    return ids, rows, counts


@njit(cache=True, parallel=True)
def _dedupe_sorted(srt: np.ndarray, vals: np.ndarray, counts: np.ndarray) -> None:
    """Distinct values of sorted rows srt (N, D, T) into vals (+inf padded) and counts (N, D)."""
    n_series, dim, t_len = srt.shape
    for k in prange(n_series):
        for d in range(dim):
            c = 0
            for t in range(t_len):
                if c == 0 or srt[k, d, t] != vals[k, d, c - 1]:
                    vals[k, d, c] = srt[k, d, t]
                    c += 1
            counts[k, d] = c


def distinct_column_values(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of every column of every series y (N, T, D): ((N, D, T) float32
    padded with +inf, (N, D) int64 counts)."""
    # numpy's float32 sort along a contiguous axis is vectorised; transpose first
    srt = np.sort(np.ascontiguousarray(np.asarray(y, dtype=np.float32).transpose(0, 2, 1)), axis=2)
    vals = np.full(srt.shape, np.inf, dtype=np.float32)
    counts = np.empty(srt.shape[:2], dtype=np.int64)
    _dedupe_sorted(srt, vals, counts)
    return vals, counts

"""Diversity metrics: FRDiv (S-MSE), FRVar and FRDvs (metric/S_MSE.py, FRVar.py, FRDvs.py).

Pairwise squared distances are summed with the exact identity

    sum over ordered pairs (a != b) of ||z_a - z_b||^2 = 2 N sum_a ||z_a - mean(z)||^2

in float64, so nothing of size (S, S) or (n, n, T, D) is built, identical inputs give exactly 0,
and the values equal the official float32 ``torch.cdist`` results to ~1e-6 relative.

    FRDiv = mean_k  sum_{i != i'} ||P[k,i] - P[k,i']||^2 / (n (n-1) T D)     (0.0 when n == 1)
    FRVar = mean over (k, i, d) of Var_t(P[k,i,:,d]) with ddof 1
    FRDvs = mean_i  sum_{k != l} ||P[k,i] - P[l,i]||^2 / (S (S-1) T D)       (same slot i only)
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from react_bench.metrics.quirks import FRVAR_DDOF, SMSE_SINGLE_SAMPLE_VALUE


@njit(cache=True, parallel=True, error_model="numpy")
def _per_direction(pred: np.ndarray, ddof: int) -> tuple[np.ndarray, np.ndarray]:
    """Per direction k: sum_i ||P[k,i] - mean_i P[k,i]||^2 and the sum of per-(i, d) variances."""
    s, n, t_len, dim = pred.shape
    dev = np.zeros(s)
    var_sum = np.zeros(s)
    for k in prange(s):
        mean = np.zeros((t_len, dim))
        for i in range(n):
            for t in range(t_len):
                for d in range(dim):
                    mean[t, d] += np.float64(pred[k, i, t, d])
        mean /= n
        acc = 0.0
        vs = 0.0
        cm = np.zeros(dim)
        cs = np.zeros(dim)
        for i in range(n):
            cm[:] = 0.0
            cs[:] = 0.0
            for t in range(t_len):
                for d in range(dim):
                    v = np.float64(pred[k, i, t, d])
                    e = v - mean[t, d]
                    acc += e * e
                    cm[d] += v
            cm /= t_len
            for t in range(t_len):
                for d in range(dim):
                    e = np.float64(pred[k, i, t, d]) - cm[d]
                    cs[d] += e * e
            for d in range(dim):
                vs += cs[d] / (t_len - ddof)
        dev[k] = acc
        var_sum[k] = vs
    return dev, var_sum


@njit(cache=True, parallel=True, error_model="numpy")
def _slot_means(pred: np.ndarray) -> np.ndarray:
    """(n, T, D) float64 mean over directions of each sample slot."""
    s, n, t_len, dim = pred.shape
    out = np.zeros((n, t_len, dim))
    for i in prange(n):
        for k in range(s):
            for t in range(t_len):
                for d in range(dim):
                    out[i, t, d] += np.float64(pred[k, i, t, d])
        for t in range(t_len):
            for d in range(dim):
                out[i, t, d] /= s
    return out


@njit(cache=True, parallel=True, error_model="numpy")
def _slot_deviation(pred: np.ndarray, means: np.ndarray) -> np.ndarray:
    """(S, n): ||P[k,i] - mean_k P[k,i]||^2."""
    s, n, t_len, dim = pred.shape
    out = np.zeros((s, n))
    for k in prange(s):
        for i in range(n):
            acc = 0.0
            for t in range(t_len):
                for d in range(dim):
                    e = np.float64(pred[k, i, t, d]) - means[i, t, d]
                    acc += e * e
            out[k, i] = acc
    return out


def frdiv_frvar(pred: np.ndarray, per_direction: dict[str, np.ndarray] | None = None) -> tuple[float, float]:
    """(FRDiv, FRVar) of predictions (S, n, T, D) float32. ``per_direction``, when given, receives
    the (S,) values whose mean over directions is each metric (for confidence intervals)."""
    s, n, t_len, dim = pred.shape
    dev, var_sum = _per_direction(pred, FRVAR_DDOF)
    frvar = float(np.sum(var_sum) / (s * n * dim))
    frdiv_k = np.full(s, SMSE_SINGLE_SAMPLE_VALUE) if n == 1 else 2.0 * n * dev / (n * (n - 1) * t_len * dim)
    if per_direction is not None:
        per_direction["FRDiv"] = frdiv_k
        per_direction["FRVar"] = var_sum / (n * dim)
    if n == 1:
        return SMSE_SINGLE_SAMPLE_VALUE, frvar
    return float(np.mean(frdiv_k)), frvar


def frdvs(pred: np.ndarray) -> float:
    """FRDvs of predictions (S, n, T, D); NaN when S == 1 (the official 0/0)."""
    s, n, t_len, dim = pred.shape
    if s == 1:
        return float("nan")
    dev = _slot_deviation(pred, _slot_means(pred))      # (S, n)
    per_slot = 2.0 * s * dev.sum(axis=0) / (s * (s - 1) * t_len * dim)
    return float(np.mean(per_slot))

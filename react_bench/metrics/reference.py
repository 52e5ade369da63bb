"""The official metric loops (react_metrics.md §2), written plainly: the slow reference path.

Tests compare the fast kernels against these, and benchmarks/bench_metrics.py times them. Nothing
here is used for scoring. FRDist's reference needs tslearn (the official DTW).
"""

from __future__ import annotations

import numpy as np

from react_bench.constants import COLUMN_GROUPS, FRD_WEIGHTS


def corr_official(a: np.ndarray, b: np.ndarray) -> np.float64:
    """FRC's local np.corrcoef copy: cov, nan_to_num, clip (a constant column gives 0).

    Returned as np.float64, as the official ``corrcoef(...)[0][1]``: a Python float is "weak"
    under numpy 2 (NEP 50), so ``2 * r * np.float32(sd)`` would be computed in float32."""
    c = np.cov(a, b)
    d = np.diag(c)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = c / np.sqrt(d)[:, None] / np.sqrt(d)[None, :]
    return np.clip(np.nan_to_num(c), -1, 1)[0, 1]


def ccc_official(gt: np.ndarray, pred: np.ndarray) -> float:
    """metric/FRC.py CCC of two (T, 25) sequences: float32 statistics of each column (numpy's
    pairwise sums), float64 numerator, float32 denominator, mean over all columns."""
    gt = gt.astype(np.float32)
    pred = pred.astype(np.float32)
    out = []
    for d in range(gt.shape[1]):
        r = corr_official(gt[:, d], pred[:, d])
        num = 2 * r * np.std(gt[:, d]) * np.std(pred[:, d])
        den = np.var(gt[:, d]) + np.var(pred[:, d]) + (np.mean(gt[:, d]) - np.mean(pred[:, d])) ** 2 + 1e-8
        out.append(num / den)
    return float(np.mean(out))


def pcc_pair(gt: np.ndarray, pred: np.ndarray) -> float:
    """Project PCC of one pair: mean r over columns non-constant in both; 0 if there are none."""
    rs = [corr_official(gt[:, d], pred[:, d]) for d in range(gt.shape[1])
          if np.ptp(gt[:, d]) > 0 and np.ptp(pred[:, d]) > 0]
    return float(np.mean(rs)) if rs else 0.0


def weighted_dtw_tslearn(x: np.ndarray, y: np.ndarray) -> float:
    """metric/FRD.py distance of one pair through tslearn.metrics.dtw."""
    from tslearn.metrics import dtw

    return sum(w * dtw(x.astype(np.float32)[:, g], y.astype(np.float32)[:, g])
               for g, w in zip(COLUMN_GROUPS, FRD_WEIGHTS))


def frd_direction(pred_k: np.ndarray, lst: np.ndarray, nbrs, distance=weighted_dtw_tslearn) -> float:
    """Sum over samples of the min distance to an appropriate reaction (one direction)."""
    return float(sum(min(distance(x, lst[j]) for j in nbrs) for x in pred_k))


def frc_direction(pred_k: np.ndarray, lst: np.ndarray, nbrs) -> float:
    """Sum over samples of the max CCC with an appropriate reaction (one direction)."""
    return float(sum(max(ccc_official(lst[j], x) for j in nbrs) for x in pred_k))


def tlcc_offset(x: np.ndarray, y: np.ndarray) -> int:
    """metric/TLCC.py for one pair: np.corrcoef per column per lag -49..49, torch argmax."""
    import torch

    x = x.astype(np.float32)
    y = y.astype(np.float32)
    t = x.shape[0]
    rhos = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for lag in range(-49, 50):
            a, b = (x[lag:], y[:t - lag]) if lag >= 0 else (x[:t + lag], y[-lag:])
            rhos.append(np.mean([np.corrcoef(a[:, d], b[:, d])[0, 1] for d in range(x.shape[1])]))
    return abs(49 - int(torch.argmax(torch.Tensor(rhos))))


def tlcc_rho_nan_safe(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """react-bench's NaN-safe lag curve of one pair (not official), plainly: per lag -49..49, the
    mean of np.corrcoef over the columns not constant in either window (NaN if there is none),
    and the number of those columns."""
    x = x.astype(np.float32)
    y = y.astype(np.float32)
    t = x.shape[0]
    rho, count = [], []
    for lag in range(-49, 50):
        a, b = (x[lag:], y[:t - lag]) if lag >= 0 else (x[:t + lag], y[-lag:])
        rs = [np.corrcoef(a[:, d], b[:, d])[0, 1] for d in range(x.shape[1])
              if np.ptp(a[:, d]) > 0 and np.ptp(b[:, d]) > 0]
        rho.append(np.mean(rs) if rs else np.nan)
        count.append(len(rs))
    return np.array(rho), np.array(count)


def tlcc_offset_nan_safe(x: np.ndarray, y: np.ndarray) -> int:
    """react-bench's Synchrony_nan_safe score of one pair: the first maximum (torch.argmax rule) of
    the float32 NaN-safe curve, lags without a usable column left out; none left -> 49."""
    rho, _ = tlcc_rho_nan_safe(x, y)
    rho32 = np.where(np.isnan(rho), -np.inf, rho).astype(np.float32)
    return abs(49 - int(np.argmax(rho32)))


def s_mse(pred: np.ndarray) -> float:
    """metric/S_MSE.py (FRDiv) through torch.cdist; 0.0 for a single sample."""
    import torch

    s, n = pred.shape[:2]
    if n == 1:
        return 0.0
    flat = torch.from_numpy(np.asarray(pred, np.float32)).reshape(s, n, -1)
    return float(np.mean([(torch.cdist(flat[k], flat[k]) ** 2).sum().item() / (n * (n - 1) * flat.shape[-1])
                          for k in range(s)]))


def fr_var(pred: np.ndarray) -> float:
    """metric/FRVar.py: torch.var over time (ddof 1), mean over everything."""
    import torch

    return float(torch.var(torch.from_numpy(np.asarray(pred, np.float32)), dim=2).mean())


def fr_dvs(pred: np.ndarray) -> float:
    """metric/FRDvs.py: squared distances between directions within each sample slot."""
    import torch

    s, n = pred.shape[:2]
    slots = torch.from_numpy(np.asarray(pred, np.float32)).reshape(s, n, -1).transpose(0, 1)
    return float(np.mean([(torch.cdist(slots[i], slots[i]) ** 2).sum().item() / (s * (s - 1) * slots.shape[-1])
                          for i in range(n)]))

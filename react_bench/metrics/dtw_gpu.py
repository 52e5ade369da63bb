"""GPU path of FRDist: the weighted DTW of many pairs at once as a torch anti-diagonal wavefront.

Cells on one anti-diagonal (i + j = k) depend only on diagonals k-1 and k-2, so each of the
n + m - 1 steps is a handful of element-wise torch ops over (pairs, cells). Arithmetic is float64
and follows tslearn exactly (per cell the squared differences are added in column order starting
from the first column, then cost + min of the three predecessors; torch element-wise ops do not
fuse multiply-add), so results equal the CPU kernels bit for bit.

The same code runs on CPU tensors, which is how the tests exercise it without a GPU; it is only
fast on a GPU, where every (direction, sample, appropriate reaction) triple is computed (no early
abandoning) in large batches and reduced with a scatter-min.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from react_bench.constants import COLUMN_GROUPS, FRD_WEIGHTS


def weighted_dtw_torch(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Weighted FRDist DTW of pairs: x (P, n, 25), y (P, m, 25) -> (P,) float64, on x's device.

    The wavefront runs on x's device; the final square roots are taken on the host.

    Inputs are cast to float32 and then float64, like the official code."""
    x = x.to(torch.float32).to(torch.float64)
    y = y.to(device=x.device, dtype=torch.float32).to(torch.float64)
    p, n, _ = x.shape
    m = y.shape[1]
    y_rev = torch.flip(y, dims=(1,))           # frame j of y sits at m - 1 - j
    inf = torch.tensor(float("inf"), dtype=torch.float64, device=x.device)
    # diagonal buffers indexed by i + 1 (index 0 = row -1); slot k % 3 holds diagonal k
    bufs = torch.full((3, len(COLUMN_GROUPS), p, n + 2), float("inf"), dtype=torch.float64,
                      device=x.device)
    bufs[(-2) % 3, :, :, 0] = 0.0              # virtual cell (-1, -1) = 0 on diagonal -2
    for k in range(n + m - 1):
        ilo = max(0, k - (m - 1))
        ihi = min(n - 1, k)
        cnt = ihi - ilo + 1
        ybase = m - 1 - k + ilo                # y_rev index of cell (ilo, k - ilo)
        sq = x[:, ilo:ihi + 1, :] - y_rev[:, ybase:ybase + cnt, :]
        sq = sq * sq                           # (P, cnt, 25)
        cur_s, p1_s, p2_s = k % 3, (k - 1) % 3, (k - 2) % 3
        for g, sl in enumerate(COLUMN_GROUPS):
            cost = sq[:, :, sl.start]
            for d in range(sl.start + 1, sl.stop):
                cost = cost + sq[:, :, d]
            p1 = bufs[p1_s, g]
            p2 = bufs[p2_s, g]
            # cell i: up = (i-1, j) and left = (i, j-1) on diagonal k-1, diag = (i-1, j-1) on k-2
            best = torch.minimum(torch.minimum(p1[:, ilo:ihi + 1], p1[:, ilo + 1:ihi + 2]),
                                 p2[:, ilo:ihi + 1])
            cur = bufs[cur_s, g]
            cur[:, ilo + 1:ihi + 2] = cost + best
            cur[:, ilo] = inf                   # cells just outside the range read as inf later
            if ihi + 2 <= n:
                cur[:, ihi + 2] = inf
    last = bufs[(n + m - 2) % 3, :, :, n]       # (3, P) accumulated costs of cell (n-1, m-1)
    # sqrt on the host: torch's vectorised CPU sqrt is not always correctly rounded (1 ulp off
    # numpy in tests), numpy's is, like tslearn's.
    acc = last.cpu().numpy()
    res = FRD_WEIGHTS[0] * np.sqrt(acc[0])
    res = res + FRD_WEIGHTS[1] * np.sqrt(acc[1])
    res = res + FRD_WEIGHTS[2] * np.sqrt(acc[2])
    return torch.from_numpy(res).to(x.device)


def frdist_best_gpu(
    pred: np.ndarray,
    lst: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    device: str = "cuda",
    batch_pairs: int = 8192,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """(S, n) min over appropriate reactions of the weighted DTW, computed on ``device``.

    On a CUDA device with triton installed this runs the dedicated kernel of dtw_triton (same
    numbers, ~100x faster); otherwise the torch wavefront below."""
    # --- Triton fast path (react_bench/metrics/dtw_triton.py) ---------------------------------
    dev = torch.device(device)
    if dev.type == "cuda" and torch.cuda.is_available():
        from react_bench.metrics import dtw_triton
        if dtw_triton.triton_available():
            return dtw_triton.frdist_best_triton(pred, lst, indptr, indices, progress=progress,
                                                 device=device)
    # --- torch wavefront fallback ----------------------------------------------------------------
    s, n_samples = pred.shape[:2]
    pred_t = torch.from_numpy(np.ascontiguousarray(pred, dtype=np.float32)).to(dev)
    lst_t = torch.from_numpy(np.ascontiguousarray(lst, dtype=np.float32)).to(dev)
    counts = np.diff(indptr)
    # every (direction, sample, candidate) triple
    k_of = np.repeat(np.arange(s), counts * n_samples)
    i_of = np.concatenate([np.repeat(np.arange(n_samples), c) for c in counts]) if s else np.zeros(0, int)
    j_of = np.concatenate([np.tile(indices[indptr[k]:indptr[k + 1]], n_samples) for k in range(s)])
    flat = torch.from_numpy(k_of * n_samples + i_of).to(dev)
    best = torch.full((s * n_samples,), float("inf"), dtype=torch.float64, device=dev)
    total = len(k_of)
    for b0 in range(0, total, batch_pairs):
        b1 = min(total, b0 + batch_pairs)
        kk = torch.from_numpy(k_of[b0:b1]).to(dev)
        ii = torch.from_numpy(i_of[b0:b1]).to(dev)
        jj = torch.from_numpy(j_of[b0:b1]).to(dev)
        vals = weighted_dtw_torch(pred_t[kk, ii], lst_t[jj])
        best.scatter_reduce_(0, flat[b0:b1], vals, reduce="amin")
        if progress is not None:
            progress(b1, total)
    return best.reshape(s, n_samples).cpu().numpy()

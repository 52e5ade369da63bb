"""FRDist weighted DTW as a Triton kernel (GPU path of FRDist).

Semantics are those of :mod:`react_bench.metrics.dtw` (tslearn's DTW, react_metrics.md §2.1):
inputs cast to float32 then float64, float64 arithmetic throughout (local costs and DP), per cell
the squared differences of a column group added in column order, cost + min(up, left, diag),
sqrt and the (1/15, 1, 1/8) weighting done on the host with numpy in the CPU kernel's order.
The kernel is launched with ``enable_fp_fusion=False`` so ``acc + d * d`` is not turned into an
FMA: every accumulated cost is then bit-identical to the CPU kernel (tests compare to 1e-9
relative; on CPU under ``TRITON_INTERPRET=1`` they are equal).

Kernel design (one program = one (prediction, reaction) pair, all three column groups at once):

* The cost matrix is swept in horizontal bands of ``BLOCK_R`` rows. Lane r of the program owns
  row i0 + r of the band and keeps that frame of x (25 float64 values) in registers.
* Within a band the program sweeps anti-diagonals: at step t lane r computes cell
  (i0 + r, t - r). Its three predecessors are: left = its own value of step t-1 (register),
  up = lane r-1's value of step t-1, diag = lane r-1's value of step t-2. The shift by one lane
  is a ``tl.gather`` (shared memory on the GPU); the previous step's shifted value is kept, so
  one shift per group and step suffices.
* Lane 0's "row above" is the last row of the previous band, kept in a small per-program
  scratch row (3 x T float64) in global memory; the band's last lane writes it as it goes.
* y is stored once per reaction time-reversed and transposed, (25, T) float64, so that at step t
  the lanes read consecutive addresses (frame t - r of y for lane r).

Per cell this is 25 loads of y, 25 subtractions, 25 multiplications, 25 additions and three
(min, min, add) DP updates; x stays in registers; no (T, T) matrix is ever materialised.
Band sweeps waste (BLOCK_R - 1) / (T + BLOCK_R - 1) of the lane-steps (~8 % at T=750,
BLOCK_R=64).

Measured on an H200 (tmp check script, T=750, float64, no FMA): ~118k triples/s for the kernel;
frdist_best_triton on the paper-size split (S=1612 x 10 samples, 97,160 triples, block_r=128)
1.27 s end to end, bit-identical to frdist.frdist_best on the 960 (direction, sample) values
compared. The torch wavefront of dtw_gpu ran 1.3k triples/s (float64) on the same machine.
"""

from __future__ import annotations

import os
from typing import Callable

import numpy as np
import torch

from react_bench.constants import FRD_WEIGHTS, N_ATTRS

try:  # triton is optional (no wheel on some platforms); callers check triton_available()
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the environment
    triton = None
    tl = None

#: Rows per band (lanes per program) on the GPU, one lane per thread (64 -> 2 warps). Measured
#: on an H200 at T=750: 64 -> 118k, 128 -> 113k, 256 -> 100k triples/s.
BLOCK_R_GPU = 64


def triton_available() -> bool:
    """True when triton can be imported."""
    return triton is not None


def _interpreting() -> bool:
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


def _frd_dtw_kernel(x_ptr, y_ptr, xi_ptr, yi_ptr, scratch_ptr, out_ptr, n, m,
                    BLOCK_R: tl.constexpr):
    """out[pid, g] = accumulated DTW cost (before sqrt) of group g for triple pid.

    x_ptr: predictions (A, n, 25) float32 row-major; y_ptr: reactions (B, 25, m) float64 with
    time reversed (y_ptr[b, d, q] = y[b, m - 1 - q, d]); xi/yi: int64 series index per triple;
    scratch: (grid, 3, m) float64 (row above the band); out: (grid, 3) float64.
    """
    pid = tl.program_id(0)
    xs = tl.load(xi_ptr + pid).to(tl.int64)
    ys = tl.load(yi_ptr + pid).to(tl.int64)
    xb = x_ptr + xs * n * 25
    yb = y_ptr + ys * m * 25
    sb = scratch_ptr + pid.to(tl.int64) * 3 * m
    r = tl.arange(0, BLOCK_R)
    src = tl.maximum(r - 1, 0)
    inf = float("inf")
    prev0 = tl.full([BLOCK_R], inf, tl.float64)
    prev1 = tl.full([BLOCK_R], inf, tl.float64)
    prev2 = tl.full([BLOCK_R], inf, tl.float64)
    for i0 in range(0, n, BLOCK_R):
        row = i0 + r
        rmask = row < n
        xr = xb + row.to(tl.int64) * 25
        # this band's frames of x, float32 -> float64 (exact), kept in registers
        x0 = tl.load(xr + 0, mask=rmask, other=0.0).to(tl.float64)
        x1 = tl.load(xr + 1, mask=rmask, other=0.0).to(tl.float64)
        x2 = tl.load(xr + 2, mask=rmask, other=0.0).to(tl.float64)
        x3 = tl.load(xr + 3, mask=rmask, other=0.0).to(tl.float64)
        x4 = tl.load(xr + 4, mask=rmask, other=0.0).to(tl.float64)
        x5 = tl.load(xr + 5, mask=rmask, other=0.0).to(tl.float64)
        x6 = tl.load(xr + 6, mask=rmask, other=0.0).to(tl.float64)
        x7 = tl.load(xr + 7, mask=rmask, other=0.0).to(tl.float64)
        x8 = tl.load(xr + 8, mask=rmask, other=0.0).to(tl.float64)
        x9 = tl.load(xr + 9, mask=rmask, other=0.0).to(tl.float64)
        x10 = tl.load(xr + 10, mask=rmask, other=0.0).to(tl.float64)
        x11 = tl.load(xr + 11, mask=rmask, other=0.0).to(tl.float64)
        x12 = tl.load(xr + 12, mask=rmask, other=0.0).to(tl.float64)
        x13 = tl.load(xr + 13, mask=rmask, other=0.0).to(tl.float64)
        x14 = tl.load(xr + 14, mask=rmask, other=0.0).to(tl.float64)
        x15 = tl.load(xr + 15, mask=rmask, other=0.0).to(tl.float64)
        x16 = tl.load(xr + 16, mask=rmask, other=0.0).to(tl.float64)
        x17 = tl.load(xr + 17, mask=rmask, other=0.0).to(tl.float64)
        x18 = tl.load(xr + 18, mask=rmask, other=0.0).to(tl.float64)
        x19 = tl.load(xr + 19, mask=rmask, other=0.0).to(tl.float64)
        x20 = tl.load(xr + 20, mask=rmask, other=0.0).to(tl.float64)
        x21 = tl.load(xr + 21, mask=rmask, other=0.0).to(tl.float64)
        x22 = tl.load(xr + 22, mask=rmask, other=0.0).to(tl.float64)
        x23 = tl.load(xr + 23, mask=rmask, other=0.0).to(tl.float64)
        x24 = tl.load(xr + 24, mask=rmask, other=0.0).to(tl.float64)
        rows = tl.minimum(n - i0, BLOCK_R)
        last_lane = r == BLOCK_R - 1
        # D of this band's lanes at steps t-1 (prev*) and lane r-1 at step t-2 (shp*). Lane 0's
        # diagonal predecessor at t=0 is cell (i0-1, -1): 0 for the first band (the anchor
        # D[-1, -1] = 0), inf otherwise.
        corner = tl.where(i0 == 0, 0.0, inf)
        prev0 = tl.full([BLOCK_R], inf, tl.float64)
        prev1 = tl.full([BLOCK_R], inf, tl.float64)
        prev2 = tl.full([BLOCK_R], inf, tl.float64)
        shp0 = tl.where(r == 0, corner, inf).to(tl.float64)
        shp1 = shp0
        shp2 = shp0
        for t in range(0, rows + m - 1):
            j = t - r
            valid = (j >= 0) & (j < m) & rmask
            q = yb + (m - 1 - j)
            # local costs, columns added in order (tslearn: 0.0 + d0^2 + d1^2 + ...)
            d = x0 - tl.load(q, mask=valid, other=0.0)
            c0 = d * d
            d = x1 - tl.load(q + m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x2 - tl.load(q + 2 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x3 - tl.load(q + 3 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x4 - tl.load(q + 4 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x5 - tl.load(q + 5 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x6 - tl.load(q + 6 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x7 - tl.load(q + 7 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x8 - tl.load(q + 8 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x9 - tl.load(q + 9 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x10 - tl.load(q + 10 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x11 - tl.load(q + 11 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x12 - tl.load(q + 12 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x13 - tl.load(q + 13 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x14 - tl.load(q + 14 * m, mask=valid, other=0.0)
            c0 = c0 + d * d
            d = x15 - tl.load(q + 15 * m, mask=valid, other=0.0)
            c1 = d * d
            d = x16 - tl.load(q + 16 * m, mask=valid, other=0.0)
            c1 = c1 + d * d
            d = x17 - tl.load(q + 17 * m, mask=valid, other=0.0)
            c2 = d * d
            d = x18 - tl.load(q + 18 * m, mask=valid, other=0.0)
            c2 = c2 + d * d
            d = x19 - tl.load(q + 19 * m, mask=valid, other=0.0)
            c2 = c2 + d * d
            d = x20 - tl.load(q + 20 * m, mask=valid, other=0.0)
            c2 = c2 + d * d
            d = x21 - tl.load(q + 21 * m, mask=valid, other=0.0)
            c2 = c2 + d * d
            d = x22 - tl.load(q + 22 * m, mask=valid, other=0.0)
            c2 = c2 + d * d
            d = x23 - tl.load(q + 23 * m, mask=valid, other=0.0)
            c2 = c2 + d * d
            d = x24 - tl.load(q + 24 * m, mask=valid, other=0.0)
            c2 = c2 + d * d
            # lane 0's "up" is cell (i0-1, t): the previous band's last row (inf above row 0)
            tmask = (r == 0) & (t < m) & (i0 > 0)
            top0 = tl.load(sb + t + r, mask=tmask, other=inf)
            top1 = tl.load(sb + m + t + r, mask=tmask, other=inf)
            top2 = tl.load(sb + 2 * m + t + r, mask=tmask, other=inf)
            # up = lane r-1 at step t-1; left = own value at t-1; diag = lane r-1 at t-2
            sh0 = tl.where(r == 0, top0, tl.gather(prev0, src, 0))
            sh1 = tl.where(r == 0, top1, tl.gather(prev1, src, 0))
            sh2 = tl.where(r == 0, top2, tl.gather(prev2, src, 0))
            prev0 = tl.where(valid, c0 + tl.minimum(tl.minimum(sh0, prev0), shp0), inf)
            prev1 = tl.where(valid, c1 + tl.minimum(tl.minimum(sh1, prev1), shp1), inf)
            prev2 = tl.where(valid, c2 + tl.minimum(tl.minimum(sh2, prev2), shp2), inf)
            shp0 = sh0
            shp1 = sh1
            shp2 = sh2
            # the band's last row is the next band's row above (written behind lane 0's reads)
            wmask = last_lane & valid
            tl.store(sb + j, prev0, mask=wmask)
            tl.store(sb + m + j, prev1, mask=wmask)
            tl.store(sb + 2 * m + j, prev2, mask=wmask)
        tl.debug_barrier()   # the scratch row written by the last warp is read by warp 0 next
    # after the last band: cell (n-1, m-1) sits in lane (n-1) % BLOCK_R
    # (a masked store, not tl.min: the stdlib reductions are @jit functions whose interpreted
    # form is fixed when triton is imported, and tests switch TRITON_INTERPRET later)
    fin = r == (n - 1) % BLOCK_R
    ob = out_ptr + pid.to(tl.int64) * 3 + r * 0
    tl.store(ob, prev0, mask=fin)
    tl.store(ob + 1, prev1, mask=fin)
    tl.store(ob + 2, prev2, mask=fin)


_KERNELS: dict[bool, object] = {}


def _kernel():
    """The kernel, compiled (or interpreted, with TRITON_INTERPRET=1) on first use.

    Wrapping lazily lets tests switch TRITON_INTERPRET after this module was imported."""
    if triton is None:
        raise RuntimeError("triton is not installed")
    mode = _interpreting()
    if mode not in _KERNELS:
        if mode:
            from triton.runtime.interpreter import InterpretedFunction
            _KERNELS[mode] = InterpretedFunction(_frd_dtw_kernel)
        else:
            from triton.runtime.jit import JITFunction
            _KERNELS[mode] = JITFunction(_frd_dtw_kernel)
    return _KERNELS[mode]


def prepare_reactions(y: np.ndarray | torch.Tensor, device: torch.device | str) -> torch.Tensor:
    """(B, m, 25) -> (B, 25, m) float64 (via float32), time reversed, contiguous, on device."""
    yt = torch.as_tensor(np.asarray(y, dtype=np.float32) if isinstance(y, np.ndarray) else y)
    yt = yt.to(device=device, dtype=torch.float32).to(torch.float64)
    return torch.flip(yt, dims=(1,)).transpose(1, 2).contiguous()


def accumulated_costs(x: torch.Tensor, y_rev: torch.Tensor, xi: torch.Tensor, yi: torch.Tensor,
                      block_r: int | None = None) -> torch.Tensor:
    """(P, 3) float64 accumulated DTW costs (before sqrt) of the triples (x[xi[p]], y[yi[p]]).

    x: (A, n, 25) float32 on the device; y_rev: output of :func:`prepare_reactions`;
    xi, yi: (P,) int64 on the device. ``block_r`` (power of two) defaults to 128 on a GPU and
    to 16 under the interpreter (so small tests cross several bands)."""
    if x.dtype != torch.float32 or x.ndim != 3 or x.shape[2] != N_ATTRS:
        raise ValueError(f"x must be (A, n, {N_ATTRS}) float32, got {tuple(x.shape)} {x.dtype}")
    if y_rev.dtype != torch.float64 or y_rev.ndim != 3 or y_rev.shape[1] != N_ATTRS:
        raise ValueError(f"y_rev must be (B, {N_ATTRS}, m) float64, got {tuple(y_rev.shape)}")
    interp = _interpreting()
    if block_r is None:
        block_r = 16 if interp else BLOCK_R_GPU
    if block_r < 2 or block_r & (block_r - 1):
        raise ValueError("block_r must be a power of two >= 2")
    p = int(xi.shape[0])
    n, m = int(x.shape[1]), int(y_rev.shape[2])
    out = torch.empty((p, 3), dtype=torch.float64, device=x.device)
    if p == 0:
        return out
    scratch = torch.empty((p, 3, m), dtype=torch.float64, device=x.device)
    x = x.contiguous()
    _kernel()[(p,)](x, y_rev, xi.contiguous(), yi.contiguous(), scratch, out, n, m,
                    BLOCK_R=block_r, num_warps=max(1, block_r // 32), enable_fp_fusion=False)
    return out


def weight_costs(acc: np.ndarray) -> np.ndarray:
    """(P, 3) accumulated costs -> (P,) weighted FRDist DTW, numpy in the CPU kernel's order."""
    acc = np.asarray(acc, dtype=np.float64)
    res = FRD_WEIGHTS[0] * np.sqrt(acc[:, 0])
    res = res + FRD_WEIGHTS[1] * np.sqrt(acc[:, 1])
    return res + FRD_WEIGHTS[2] * np.sqrt(acc[:, 2])


def weighted_dtw_triton(x: np.ndarray, y: np.ndarray, device: str = "cuda",
                        block_r: int | None = None) -> np.ndarray:
    """Weighted FRDist DTW of pairs: x (P, n, 25), y (P, m, 25) -> (P,) float64."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 3 or y.ndim != 3 or x.shape[0] != y.shape[0] or min(x.shape[1], y.shape[1]) == 0:
        raise ValueError(f"expected (P, n, 25) and (P, m, 25), got {x.shape} and {y.shape}")
    dev = torch.device(device)
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(dev)
    idx = torch.arange(x.shape[0], dtype=torch.int64, device=dev)
    acc = accumulated_costs(xt, prepare_reactions(y, dev), idx, idx, block_r=block_r)
    return weight_costs(acc.cpu().numpy())


def frdist_best_triton(
    pred: np.ndarray,
    lst: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    progress: Callable[[int, int], None] | None = None,
    device: str = "cuda",
    batch_pairs: int = 16384,
    block_r: int | None = None,
) -> np.ndarray:
    """(S, n) min over appropriate reactions of the weighted DTW (contract of
    dtw_gpu.frdist_best_gpu). Every triple is computed in full, ``batch_pairs`` per launch;
    samples identical to an earlier sample of the same direction are computed once.

    Device memory: pred as float32 (S·n·T·25·4 B), the reactions as float64, and per batch a
    (batch_pairs, 3, T) float64 scratch (~290 MB at 16384 x 750)."""
    from react_bench.metrics.frdist import repeated_samples

    s, n_samples = pred.shape[:2]
    pred = np.ascontiguousarray(pred, dtype=np.float32)
    dev = torch.device(device)
    rep = repeated_samples(pred)
    counts = np.diff(indptr)
    # triples (direction k, sample i, reaction j) for the first copy of every sample
    ks, is_ = np.nonzero(rep == np.arange(n_samples)[None, :])
    reps = counts[ks]
    k_of = np.repeat(ks, reps)
    i_of = np.repeat(is_, reps)
    starts = np.repeat(indptr[ks], reps)
    within = np.arange(len(k_of)) - np.repeat(np.cumsum(reps) - reps, reps)
    j_of = np.asarray(indices)[starts + within]
    flat = k_of * n_samples + i_of
    best = np.full(s * n_samples, np.inf)
    total = len(k_of)
    if total:
        x_dev = torch.from_numpy(pred.reshape(s * n_samples, *pred.shape[2:])).to(dev)
        y_dev = prepare_reactions(lst, dev)
        for b0 in range(0, total, batch_pairs):
            b1 = min(total, b0 + batch_pairs)
            xi = torch.from_numpy(flat[b0:b1].astype(np.int64)).to(dev)
            yi = torch.from_numpy(j_of[b0:b1].astype(np.int64)).to(dev)
            acc = accumulated_costs(x_dev, y_dev, xi, yi, block_r=block_r).cpu().numpy()
            np.minimum.at(best, flat[b0:b1], weight_costs(acc))
            if progress is not None:
                progress(b1, total)
    out = best.reshape(s, n_samples)
    return out[np.arange(s)[:, None], rep]

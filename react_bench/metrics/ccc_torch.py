"""GPU path of FRCorr and PCC: the definitions of ccc.py, batched over directions in torch.

Same formulas as the numba kernel (see ccc.py). The ddof-0 float32 statistics (mean, var, std per
column) are computed on the host by ccc.float32_stats, numpy's pairwise summation reproduced bit for
bit, and copied to the device: torch reduces in another order (and its CUDA mean multiplies by
1/T), which moved FRCorr by up to ~1e-7 relative. Only the float64 parts (the
centred cross products, the mean over the 25 columns) are summed in torch's order, ~1e-15
relative. Every direction's appropriate reactions are padded to the row maximum K; padding is
masked out of the maxima.
"""

from __future__ import annotations

import numpy as np

from react_bench.metrics.ccc import float32_stats
from react_bench.metrics.quirks import CCC_DENOMINATOR_EPS


def _float32_stats(x: np.ndarray, dev):
    """The official per-column float32 np.mean/np.var/np.std over time (ccc.float32_stats),
    computed on the host, as device tensors."""
    import torch

    return tuple(torch.as_tensor(a, device=dev) for a in float32_stats(x))


def _centred64(x):
    """float64 data minus its column means, and the column sums of squared deviations."""
    x64 = x.double()
    centred = x64 - x64.mean(dim=-2, keepdim=True)
    return centred, (centred * centred).sum(dim=-2)


def ccc_pcc_best_torch(pred: np.ndarray, lst: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
                       device: str = "cuda", chunk: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(S, n) max-over-appropriate CCC and PCC, like ccc.ccc_pcc_best, computed on `device`."""
    import torch

    dev = torch.device(device)
    s, n, t_len, dim = pred.shape
    counts = np.diff(indptr)
    k_max = int(counts.max())
    table = np.zeros((s, k_max), dtype=np.int64)
    valid_slot = np.zeros((s, k_max), dtype=bool)
    for k in range(s):
        table[k, :counts[k]] = indices[indptr[k]:indptr[k + 1]]
        valid_slot[k, :counts[k]] = True

    lst = np.ascontiguousarray(lst, dtype=np.float32)
    reactions = torch.as_tensor(lst, device=dev)
    l_mu, l_var, l_sd = _float32_stats(lst, dev)
    l_centred, l_ss = _centred64(reactions)
    fact = t_len - 1.0
    eps = float(CCC_DENOMINATOR_EPS)
    best_ccc = np.empty((s, n))
    best_pcc = np.empty((s, n))
    for a in range(0, s, chunk):
        b = min(a + chunk, s)
        block = np.ascontiguousarray(pred[a:b], dtype=np.float32)
        x = torch.as_tensor(block, device=dev)                                               # (c,n,T,D)
        p_mu, p_var, p_sd = _float32_stats(block, dev)
        p_centred, p_ss = _centred64(x)
        idx = torch.as_tensor(table[a:b], device=dev)                                        # (c,K)
        mask = torch.as_tensor(valid_slot[a:b], device=dev)
        y_centred = l_centred[idx]                                                           # (c,K,T,D)
        sxy = torch.einsum("cntd,cktd->cnkd", p_centred, y_centred)
        y_ss = l_ss[idx][:, None]                                                            # (c,1,K,D)
        x_ss = p_ss[:, :, None]                                                              # (c,n,1,D)
        r = (sxy / fact) / torch.sqrt(y_ss / fact) / torch.sqrt(x_ss / fact)
        r = torch.nan_to_num(r, nan=0.0).clamp(-1.0, 1.0)                  # official quirk: NaN -> 0
        diff = l_mu[idx][:, None] - p_mu[:, :, None]
        den = (l_var[idx][:, None] + p_var[:, :, None] + diff * diff + eps).double()
        ccc = (2.0 * r * l_sd[idx][:, None].double() * p_sd[:, :, None].double() / den).mean(dim=-1)
        both = (x_ss > 0) & (y_ss > 0)
        n_valid = both.sum(dim=-1)
        pcc = torch.where(n_valid > 0, (r * both).sum(dim=-1) / n_valid.clamp(min=1), torch.zeros_like(ccc))
        slot = mask[:, None, :]
        best_ccc[a:b] = torch.where(slot, ccc, -torch.inf).amax(dim=-1).cpu().numpy()
        best_pcc[a:b] = torch.where(slot, pcc, -torch.inf).amax(dim=-1).cpu().numpy()
    return best_ccc, best_pcc

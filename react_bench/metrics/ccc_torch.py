"""GPU path of FRCorr and PCC: the definitions of ccc.py, batched over directions in torch.

Same formulas as the numba kernel (see ccc.py). The ddof-0 statistics are float32 as in the
official code, but torch sums in another order than numpy, so values agree with the CPU path to
~1e-7 relative (the parity tolerance is 1e-5), not bit for bit. Every direction's appropriate
reactions are padded to the row maximum K; padding is masked out of the maxima.
"""

from __future__ import annotations

import numpy as np

from react_bench.metrics.quirks import CCC_DENOMINATOR_EPS


def _float32_stats(x):
    """mean, var (ddof 0), std over time (dim -2) in float32, as np.mean/np.var/np.std."""
    mu = x.mean(dim=-2)
    var = ((x - mu.unsqueeze(-2)) ** 2).mean(dim=-2)
    return mu, var, var.sqrt()


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

    reactions = torch.as_tensor(np.ascontiguousarray(lst, dtype=np.float32), device=dev)
    l_mu, l_var, l_sd = _float32_stats(reactions)
    l_centred, l_ss = _centred64(reactions)
    fact = t_len - 1.0
    eps = float(CCC_DENOMINATOR_EPS)
    best_ccc = np.empty((s, n))
    best_pcc = np.empty((s, n))
    for a in range(0, s, chunk):
        b = min(a + chunk, s)
        x = torch.as_tensor(np.ascontiguousarray(pred[a:b], dtype=np.float32), device=dev)  # (c,n,T,D)
        p_mu, p_var, p_sd = _float32_stats(x)
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

"""AFRDL training losses as the official code computes them (regnn_official.md §3.1).

For speaker window b with predicted graph Z_b and latents z_bm = Mot(g_bm; E_b) of its m_b sampled
appropriate reactions (flattened: ``latents`` (R, N, D) with ``owner`` (R,) and ``slot`` (R,)):
    d_bm    = mean((Z_b - z_bm)^2)
    delta_b = min_m d_bm
    L_min   = (1/B) sum_b delta_b * 1[delta_b > tau]      (tau None -> no hinge)
    L_mid   = mean over all latent elements of (z_bm - mean_m z_bm)^2
"""

from __future__ import annotations

import torch


def min_mse_loss(pred: torch.Tensor, latents: torch.Tensor, owner: torch.Tensor, slot: torch.Tensor,
                 n_slots: int, tau: float | None) -> torch.Tensor:
    b = pred.shape[0]
    d = ((pred[owner] - latents) ** 2).mean(dim=(1, 2))                  # (R,)
    table = torch.full((b, n_slots), float("inf"), device=pred.device, dtype=pred.dtype)
    table = table.index_put((owner, slot), d)
    # Every window has >= 1 reaction (DeviceData guarantees it), so no +inf survives the min; no
    # check here, because it would force a GPU sync every step.
    delta = table.min(dim=1).values                                      # (B,)
    if tau is not None:
        delta = delta * (delta > tau).to(delta.dtype)
    return delta.mean()


def mid_loss(latents: torch.Tensor, owner: torch.Tensor, n_groups: int) -> torch.Tensor:
    counts = torch.bincount(owner, minlength=n_groups).to(latents.dtype).clamp_min(1.0)
    sums = torch.zeros(n_groups, *latents.shape[1:], device=latents.device, dtype=latents.dtype)
    means = sums.index_add(0, owner, latents) / counts.view(-1, *[1] * (latents.dim() - 1))
    return ((latents - means[owner]) ** 2).mean()

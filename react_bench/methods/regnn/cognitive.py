"""Cognitive processor: fused features -> predicted distribution graph Z, plus its MEFL edges.

Official ``--convert-type direct``: a shared per-frame MLP fusion_dim -> cog_hidden -> 25 (GELU),
transposed so that node i = facial attribute i and its feature = the attribute's window time series:
Z in R^{B x 25 x T} (regnn_official.md §2.3).
"""

from __future__ import annotations

import torch
from torch import nn

from .config import REGNNConfig
from .mefl import MEFL


class CognitiveProcessor(nn.Module):
    def __init__(self, cfg: REGNNConfig) -> None:
        super().__init__()
        self.convert = nn.Sequential(nn.Linear(cfg.fusion_dim, cfg.cog_hidden), nn.GELU(),
                                     nn.Linear(cfg.cog_hidden, cfg.n_attrs))
        # The no_graph ablation has no motor, so it needs no edges.
        self.mefl = MEFL(cfg.window, cfg.edge_dim, cfg.top_k, cfg.topk_mask) if cfg.motor != "none" else None

    def forward(self, fused: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(B, T, fusion_dim) -> Z (B, 25, T) and edges E (B, P, 25, 25) (None without a motor)."""
        z = self.convert(fused).transpose(1, 2)
        edges = self.mefl(z) if self.mefl is not None else None
        return z, edges

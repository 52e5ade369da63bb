"""MEFL: multi-dimensional edge feature learning (regnn_official.md §2.4).

From the predicted distribution graph Z (B, N=25 nodes, D=window frames) it builds P edge channels
E (B, P, N, N): U = MLP(Z); [Q; K] = U W; S_p = softmax_rows(Q_p K_p^T / sqrt(D)); a top-K mask on
sum_p S_p (detached); E_p = R C^T with R = row-normalised (M * S_p) and C = column-normalised R,
which makes each E_p symmetric and doubly stochastic.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def topk_mask(scores: torch.Tensor, k: int, mode: str = "union") -> torch.Tensor:
    """0/1 mask (B, N, N) from scores (B, N, N), vectorised.

    ``per_row`` (paper): M_ij = 1 iff j is among the top-k of row i, or i == j.
    ``union`` (official code, D-M1): every row gets the union over all rows of their top-k columns,
    plus its own diagonal.
    """
    b, n, _ = scores.shape
    idx = scores.topk(min(k, n), dim=-1).indices                       # (B, N, k)
    eye = torch.eye(n, dtype=torch.bool, device=scores.device)
    if mode == "per_row":
        mask = torch.zeros(b, n, n, dtype=torch.bool, device=scores.device).scatter_(-1, idx, True)
    elif mode == "union":
        cols = torch.zeros(b, n, dtype=torch.bool, device=scores.device).scatter_(-1, idx.reshape(b, -1), True)
        mask = cols[:, None, :].expand(b, n, n)
    else:
        raise ValueError(f"unknown top-k mask mode {mode!r}")
    return (mask | eye).to(scores.dtype)


def doubly_stochastic(e: torch.Tensor, eps: float = 1e-16) -> torch.Tensor:
    """R C^T normalisation over the last two axes (EGAT/GRATIS style, official eps 1e-16)."""
    r = e / (e.sum(-1, keepdim=True) + eps)
    c = r / (r.sum(-2, keepdim=True) + eps)
    return r @ c.transpose(-1, -2)


class MEFL(nn.Module):
    def __init__(self, node_dim: int, edge_dim: int = 8, top_k: int = 5, mask: str = "union") -> None:
        super().__init__()
        self.node_dim = node_dim
        self.edge_dim = edge_dim
        self.top_k = top_k
        self.mask_mode = mask
        self.mlp = nn.Sequential(nn.Linear(node_dim, node_dim), nn.GELU(), nn.Linear(node_dim, node_dim))
        self.qk = nn.Linear(node_dim, 2 * edge_dim * node_dim, bias=False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        b, n, d = z.shape
        qk = self.qk(self.mlp(z)).view(b, n, 2, self.edge_dim, d)
        q = qk[:, :, 0].transpose(1, 2)                                # (B, P, N, D)
        k = qk[:, :, 1].transpose(1, 2)
        s = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1)   # (B, P, N, N)
        mask = topk_mask(s.detach().sum(1), self.top_k, self.mask_mode)
        return doubly_stochastic(s * mask[:, None])

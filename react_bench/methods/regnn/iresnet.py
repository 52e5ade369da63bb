"""i-ResNet motor variant: an invertible residual graph layer with spectral normalisation.

    n = ActNorm(x);  y = n + c * A_hat g(n),   g(n) = W2 ELU(W1 n)  (per node, over frames)
W1, W2 are spectrally normalised (torch power-iteration parametrisation), so Lip(g) <= ~1;
A_hat = mean_p E_p divided by max(1, sqrt(||A||_1 ||A||_inf)) >= ||A||_2, so ||A_hat||_2 <= 1; with
c < 1 the branch is a contraction by construction (Behrmann et al. 2019), unlike REGNN's heuristic
lambda. The inverse is the same fixed-point iteration (ResidualGraphLayer.inverse).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .motor import ResidualGraphLayer


class IResNetLayer(ResidualGraphLayer):
    def __init__(self, n_nodes: int, dim: int, hidden: int = 64, coeff: float = 0.9,
                 use_actnorm: bool = True, min_std: float = 0.1) -> None:
        super().__init__(n_nodes, use_actnorm, min_std)
        if not 0.0 < coeff < 1.0:
            raise ValueError(f"iresnet_coeff must be in (0, 1), got {coeff}")
        self.coeff = coeff
        self.fc1 = spectral_norm(nn.Linear(dim, hidden))
        self.fc2 = spectral_norm(nn.Linear(hidden, dim))

    def context(self, edges: torch.Tensor) -> torch.Tensor:
        a = edges.mean(1)                                            # (B, N, N)
        bound = torch.sqrt(a.abs().sum(-1).amax(-1) * a.abs().sum(-2).amax(-1))
        return a / bound.clamp_min(1.0)[:, None, None]

    def branch(self, n: torch.Tensor, edges: torch.Tensor, ctx: torch.Tensor) -> torch.Tensor:
        b, nodes, dim = n.shape
        g = self.fc2(F.elu(self.fc1(n))).view(ctx.shape[0], -1, nodes, dim)
        return self.coeff * (ctx[:, None] @ g).reshape(b, nodes, dim)

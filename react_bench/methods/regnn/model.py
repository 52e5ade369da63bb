"""The REGNN network: perceptual fusion -> cognitive graph Z (+ MEFL edges) -> motor (invertible)."""

from __future__ import annotations

import math

import torch
from torch import nn

from .cognitive import CognitiveProcessor
from .config import REGNNConfig
from .motor import Motor, build_motor
from .perceptual import PerceptualFusion


class REGNNModel(nn.Module):
    def __init__(self, cfg: REGNNConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.perceptual = PerceptualFusion(cfg)
        self.cognitive = CognitiveProcessor(cfg)
        self.motor: Motor | None = build_motor(cfg)

    def encode(self, video: torch.Tensor, audio: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Speaker windows (B, T, Dv), (B, T, Da) -> Z (B, 25, T) and edges (B, P, 25, 25) or None."""
        return self.cognitive(self.perceptual(video, audio))

    def to_latent(self, reactions: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        """Mot: listener reaction graphs (R, 25, T) -> latents (R, 25, T)."""
        if self.motor is None:
            return reactions
        return self.motor(reactions, edges)

    def from_latent(self, latents: torch.Tensor, edges: torch.Tensor | None) -> torch.Tensor:
        """Mot^-1: latents (R, 25, T) -> reaction graphs (R, 25, T)."""
        if self.motor is None:
            return latents
        return self.motor.inverse(latents, edges)


def sample_noise(shape: tuple[int, ...], mode: str, sigma: float, generator: torch.Generator) -> torch.Tensor:
    """Noise for ``shape`` = (n_samples, W, N, D): one draw per sample over all W windows of a clip.

    ``max_normalised`` (official ``MHP.sample``): eps ~ N(0, 1) over the whole (W, N, D) tensor of
    one sample, rescaled by sqrt(sigma) / max|eps| whenever max|eps| > sqrt(sigma) (effective std
    ~0.058 for sigma = 0.06, hard L_inf bound 0.245). ``gaussian``: eps ~ N(0, sigma^2).
    """
    eps = torch.randn(shape, generator=generator, dtype=torch.float32)
    if mode == "gaussian":
        return eps * sigma
    if mode != "max_normalised":
        raise ValueError(f"unknown noise mode {mode!r}")
    bound = math.sqrt(sigma)
    peak = eps.abs().amax(dim=tuple(range(1, eps.dim())), keepdim=True)
    return torch.where(peak > bound, eps * (bound / peak.clamp_min(1e-30)), eps)

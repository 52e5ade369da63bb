"""The fields every window GAN (Huang_S, DyadGAN; react_bench.methods.window_gan) shares: a plain
dataclass; imports no torch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..constants import N_FRAMES
from ..errors import ReactBenchError
from .config import FULL_PASS, ProfileConfig


@dataclass
class WindowGANConfig(ProfileConfig):
    """Fields every window GAN has: the windows, and the shared training core's schedule. G and D
    both use Adam(lr, betas=(beta1, 0.999)); D is stepped once every ``g_steps_per_d`` G steps."""

    LABEL: ClassVar[str] = "window GAN"

    window: int = 50                      # frames per window; windows tile the 750-frame clip
    stride: int = 25
    use_features: bool = True             # speaker video + audio features beside the 25 attributes
    # training (the shared core)
    epochs: int = 200
    steps_per_epoch: int = FULL_PASS      # FULL_PASS: one pass over all (clip, window) items
    batch_size: int = 64
    lr: float = 2e-4
    beta1: float = 0.5
    weight_decay: float = 0.0
    lr_milestones: tuple[int, ...] = ()
    lr_gamma: float = 0.1
    g_steps_per_d: int = 1

    def __post_init__(self) -> None:
        self.lr_milestones = tuple(int(m) for m in self.lr_milestones)
        self.require_positive("window", "stride", "epochs", "steps_per_epoch", "batch_size", "g_steps_per_d")
        if self.stride > self.window or (N_FRAMES - self.window) % self.stride:
            raise ReactBenchError(f"{self.LABEL}: windows of {self.window} at stride {self.stride} do not tile "
                                  f"{N_FRAMES} frames ((frames - window) % stride must be 0, stride <= window)")
        if not 0.0 <= self.beta1 < 1.0:
            raise ReactBenchError(f"{self.LABEL} beta1 must lie in [0, 1)")

    @property
    def n_windows(self) -> int:
        return (N_FRAMES - self.window) // self.stride + 1

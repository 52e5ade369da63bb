"""DyadGAN configuration: a plain dataclass, training profiles; imports no torch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from react_bench.errors import ReactBenchError
from react_bench.methods.config import make_profile_config
from react_bench.methods.window_gan_config import WindowGANConfig

CONDITIONS = ("attributes", "expressions")


@dataclass
class DyadGANConfig(WindowGANConfig):
    """Defaults: DCGAN's (z 100-d, 64 base filters, Adam 2e-4 / beta1 0.5, batch 64, 25 epochs, one
    G step per D step) on 10-frame windows at stride 5; the condition is the speaker's 25 attributes
    per frame ("expressions": only their 8 expression probabilities, the original's 8-d emotion
    vector); no L1 term (a plain conditional GAN)."""

    LABEL: ClassVar[str] = "DyadGAN"

    window: int = 10
    stride: int = 5
    use_features: bool = False            # add the speaker's video + audio features to the condition
    condition: str = "attributes"         # attributes (25) | expressions (the 8 expression columns)
    z_dim: int = 100
    ngf: int = 64                         # G: 4, 2, 1 x ngf channels
    ndf: int = 64                         # D: 1, 2, 4 x ndf channels, stride-2 convolutions
    kernel: int = 3                       # G's temporal kernel
    l1_weight: float = 0.0                # optional L1 to the own listener (0: the original's plain cGAN)
    epochs: int = 25

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.condition not in CONDITIONS:
            raise ReactBenchError(f"DyadGAN condition {self.condition!r}; expected one of {CONDITIONS}")
        self.require_positive("z_dim", "ngf", "ndf", "kernel")
        if self.kernel % 2 == 0:
            raise ReactBenchError("DyadGAN kernel must be odd")
        if self.window < 8:
            raise ReactBenchError("DyadGAN window must be at least 8 frames (D halves it three times)")


PROFILES: dict[str, dict[str, Any]] = {
    "paper": {},
    "small": dict(ngf=32, ndf=32, epochs=20, steps_per_epoch=50, num_threads=1),
    "smoke": dict(z_dim=8, ngf=8, ndf=8, epochs=2, steps_per_epoch=2, batch_size=8, num_threads=1),
}


def make_config(profile: str = "small", **overrides: Any) -> DyadGANConfig:
    """The profile's DyadGANConfig with ``overrides`` (unknown profiles and keys refused)."""
    return make_profile_config(DyadGANConfig, PROFILES, profile, overrides)


def resolved_config(profile: str = "small", **overrides: Any) -> dict[str, Any]:
    return make_config(profile, **overrides).to_dict()

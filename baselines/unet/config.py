"""UNet configuration: a plain dataclass, training profiles; imports no torch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from react_bench.errors import ReactBenchError
from react_bench.methods.config import ProfileConfig, make_profile_config


@dataclass
class UNetConfig(ProfileConfig):
    LABEL: ClassVar[str] = "UNet"

    # network: a 1-D temporal U-Net over the whole 750-frame clip
    base_channels: int = 64               # Ronneberger et al.: 64, doubled at every level
    depth: int = 3                        # down-sampling levels (x2 each; 750 is padded to 752)
    kernel: int = 5
    dropout: float = 0.1
    use_attributes: bool = True           # speaker's 25 attributes beside video and audio features
    loss: str = "l1"                      # l1 | l2 against the own listener
    # training (the shared core)
    epochs: int = 100
    steps_per_epoch: int = 100
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 1e-5
    lr_milestones: tuple[int, ...] = (70,)
    lr_gamma: float = 0.1

    def __post_init__(self) -> None:
        self.lr_milestones = tuple(int(m) for m in self.lr_milestones)
        if self.loss not in ("l1", "l2"):
            raise ReactBenchError(f"UNet loss {self.loss!r}; expected 'l1' or 'l2'")
        self.require_positive("base_channels", "depth", "kernel", "epochs", "steps_per_epoch", "batch_size")
        if self.kernel % 2 == 0:
            raise ReactBenchError("UNet kernel must be odd")


PROFILES: dict[str, dict[str, Any]] = {
    "paper": {},
    "small": dict(base_channels=32, epochs=30, steps_per_epoch=12, batch_size=16, lr_milestones=(22,), num_threads=1),
    "smoke": dict(base_channels=8, depth=2, epochs=2, steps_per_epoch=2, batch_size=4, num_threads=1),
}


def make_config(profile: str = "small", **overrides: Any) -> UNetConfig:
    """The profile's UNetConfig with ``overrides`` (unknown profiles and keys refused)."""
    return make_profile_config(UNetConfig, PROFILES, profile, overrides)


def resolved_config(profile: str = "small", **overrides: Any) -> dict[str, Any]:
    return make_config(profile, **overrides).to_dict()

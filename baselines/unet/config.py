"""UNet configuration: a plain dataclass, training profiles; imports no torch."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from react_bench.errors import ReactBenchError


@dataclass
class UNetConfig:
    profile: str = "paper"
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
    num_threads: int | None = None
    resume: bool = False
    seed: int | None = None

    def __post_init__(self) -> None:
        self.lr_milestones = tuple(int(m) for m in self.lr_milestones)
        if self.loss not in ("l1", "l2"):
            raise ReactBenchError(f"UNet loss {self.loss!r}; expected 'l1' or 'l2'")
        for key in ("base_channels", "depth", "kernel", "epochs", "steps_per_epoch", "batch_size"):
            if int(getattr(self, key)) < 1:
                raise ReactBenchError(f"UNet config {key} must be positive")
        if self.kernel % 2 == 0:
            raise ReactBenchError("UNet kernel must be odd")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["lr_milestones"] = list(self.lr_milestones)
        return d

    def architecture_dict(self) -> dict[str, Any]:
        d = self.to_dict()
        for key in ("resume", "num_threads", "seed"):
            d.pop(key)
        return d


PROFILES: dict[str, dict[str, Any]] = {
    "paper": {},
    "small": dict(base_channels=32, epochs=30, steps_per_epoch=12, batch_size=16, lr_milestones=(22,), num_threads=1),
    "smoke": dict(base_channels=8, depth=2, epochs=2, steps_per_epoch=2, batch_size=4, num_threads=1),
}


def make_config(profile: str = "small", **overrides: Any) -> UNetConfig:
    if profile not in PROFILES:
        raise ReactBenchError(f"unknown UNet profile {profile!r}; known: {sorted(PROFILES)}")
    fields = {f.name for f in dataclasses.fields(UNetConfig)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ReactBenchError(f"unknown UNet config keys: {unknown}; known: {sorted(fields)}")
    return UNetConfig(**{**PROFILES[profile], **overrides, "profile": profile})


def resolved_config(profile: str = "small", **overrides: Any) -> dict[str, Any]:
    return make_config(profile, **overrides).to_dict()

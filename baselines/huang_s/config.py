"""Huang_S configuration: a plain dataclass on the window-GAN fields, training profiles; imports no
torch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from react_bench.errors import ReactBenchError
from react_bench.methods.config import make_profile_config
from react_bench.methods.window_gan_config import WindowGANConfig


@dataclass
class HuangSConfig(WindowGANConfig):
    """Defaults: the authors' shape GAN (au2shape: gf_dim = df_dim = 64, 3 continuous codes, 20
    identity classes, dropout 0.5, L1 weight 10, Adam 2e-4 / beta1 0.5, batch 64, 200 epochs, G
    stepped twice per D step); windows of 50 frames at stride 25 (the original: 100-frame inputs)."""

    LABEL: ClassVar[str] = "Huang_S"

    gf_dim: int = 64                      # G linears have 2 * gf_dim units
    df_dim: int = 64                      # D: 2, 4, 4 x df_dim units, shared code head 2 * df_dim
    n_cont: int = 3                       # continuous code, N(0, 1)
    n_identities: int = 20                # one-hot identity code (hashed listener identity)
    dropout: float = 0.5                  # on decoder layers d1..d3
    l1_weight: float = 10.0               # L1 to the own listener's window
    feature_weight: float = 10.0          # L1 between D's hidden activations h0, h1, h2 on real and fake
    cat_weight: float = 1.0               # identity cross-entropy (D on real and fake, G on fake)
    cont_weight: float = 1.0              # continuous-code MSE (D and G, on fake)
    g_steps_per_d: int = 2

    def __post_init__(self) -> None:
        super().__post_init__()
        self.require_positive("gf_dim", "df_dim", "n_cont", "n_identities")
        if not 0.0 <= self.dropout < 1.0:
            raise ReactBenchError("Huang_S dropout must lie in [0, 1)")


HUANG_S_PROFILES: dict[str, dict[str, Any]] = {
    "paper": {},
    "small": dict(epochs=20, steps_per_epoch=40, num_threads=1),
    "smoke": dict(gf_dim=8, df_dim=8, epochs=2, steps_per_epoch=2, batch_size=8, num_threads=1),
}


def make_config(profile: str = "small", **overrides: Any) -> HuangSConfig:
    """The profile's HuangSConfig with ``overrides`` (unknown profiles and keys refused)."""
    return make_profile_config(HuangSConfig, HUANG_S_PROFILES, profile, overrides)


def resolved_config(profile: str = "small", **overrides: Any) -> dict[str, Any]:
    return make_config(profile, **overrides).to_dict()

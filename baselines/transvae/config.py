"""Trans-VAE configuration (offline and online): a plain dataclass, training profiles; imports no torch.

Defaults are the REACT 2023 baseline's (reactmultimodalchallenge/baseline_react2023, README training
commands and train.py): feature dim 128, 4 heads, feed-forward 2 x 128, dropout 0.1, KL weight 1e-5,
lr 1e-5, AdamW with decoupled weight decay 5e-4, batch 4, 50 epochs over whole 750-frame clips;
online: window 16. docs/baselines.md lists what differs (no 3DMM head, precomputed features
instead of the Conv3D video encoder)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from react_bench.constants import N_FRAMES
from react_bench.errors import ReactBenchError
from react_bench.methods.config import FULL_PASS, ProfileConfig, make_profile_config


@dataclass
class TransVAEConfig(ProfileConfig):
    LABEL: ClassVar[str] = "TransVAE"
    NON_ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = ("infer_batch_clips",)

    online: bool = False                  # False: TransVAE (whole clip); True: TransVAE_online (windows)
    # network
    feature_dim: int = 128
    n_heads: int = 4
    ff_mult: int = 2                      # dim_feedforward = ff_mult x feature_dim (the original: 2)
    dropout: float = 0.1
    attn_dropout: float = 0.1             # on attention weights (the original: = dropout); 0: CPUs' fused kernels
    use_attributes: bool = False          # the original encodes only video + audio (no speaker attributes)
    # online track
    window: int = 16                      # frames emitted per step (README: --online --window-size 16)
    lookahead: int = 0                    # speaker frames past the window's end the driver shows the method
    # loss
    kl_weight: float = 1e-5               # README: --kl-p 0.00001 (train.py's default 2e-4 is not what was run)
    # training (the shared core)
    train_frames: int = N_FRAMES          # random crop per training item (N_FRAMES: the whole clip; offline
                                          # crops leave the time queries past the crop untrained)
    epochs: int = 50
    steps_per_epoch: int = FULL_PASS      # FULL_PASS: one pass over the training directions per epoch
    batch_size: int = 4
    lr: float = 1e-5
    optimizer: str = "adamw"              # the original: optim.AdamW (decoupled weight decay)
    weight_decay: float = 5e-4            # the original's --weight-decay default
    lr_milestones: tuple[int, ...] = ()
    lr_gamma: float = 0.1
    infer_batch_clips: int = 16

    def __post_init__(self) -> None:
        self.lr_milestones = tuple(int(m) for m in self.lr_milestones)
        self.require_optimizer()
        self.require_positive("feature_dim", "n_heads", "ff_mult", "window", "train_frames", "epochs",
                              "steps_per_epoch", "batch_size", "infer_batch_clips")
        if self.feature_dim % self.n_heads:
            raise ReactBenchError("TransVAE feature_dim must be a multiple of n_heads")
        if self.feature_dim % 2:
            raise ReactBenchError("TransVAE feature_dim must be even (sinusoidal time queries)")
        if not 0 <= self.lookahead <= N_FRAMES - self.window:
            raise ReactBenchError(f"TransVAE lookahead must be 0 to {N_FRAMES - self.window} (= {N_FRAMES} frames "
                                  "- window: the first window then sees the whole clip, an offline method)")
        if self.train_frames > N_FRAMES:
            raise ReactBenchError(f"TransVAE train_frames must be at most {N_FRAMES}")
        if self.online and self.train_frames < self.window:
            raise ReactBenchError("TransVAE_online train_frames must be at least one window")
        if not (0.0 <= self.dropout < 1.0 and 0.0 <= self.attn_dropout < 1.0) or self.kl_weight < 0:
            raise ReactBenchError("TransVAE dropout and attn_dropout must lie in [0, 1), kl_weight be >= 0")

    @property
    def name(self) -> str:
        return "TransVAE_online" if self.online else "TransVAE"


# Same code path in every profile; only sizes and the schedule change.
PROFILES: dict[str, dict[str, Any]] = {
    "paper": {},
    # CPU budget (192 train directions, 2 cores): fit + predict + score in ~3 min (docs/baselines.md).
    "small": dict(feature_dim=32, n_heads=2, attn_dropout=0.0, epochs=8, steps_per_epoch=16, batch_size=8, lr=1e-3,
                  lr_milestones=(6,), num_threads=1),
    "smoke": dict(feature_dim=16, n_heads=2, attn_dropout=0.0, epochs=2, steps_per_epoch=2, batch_size=4, lr=1e-3,
                  num_threads=1),
}
# The online model runs its windows one after another (and re-reads the growing speaker prefix in
# each): outside the paper profile it trains on random crops (the REACT 2024 baseline: 256 frames).
ONLINE_PROFILES: dict[str, dict[str, Any]] = {
    "paper": {},
    "small": dict(PROFILES["small"], train_frames=192),
    "smoke": dict(PROFILES["smoke"], train_frames=64),
}


ONLINE_ONLY_FIELDS = ("window", "lookahead")


def make_config(profile: str = "small", online: bool = False, **overrides: Any) -> TransVAEConfig:
    """The profile's TransVAEConfig (offline or online) with ``overrides`` (unknown profiles and
    keys, ``online`` among them, refused; so are the online track's fields for the offline model,
    which would not read them)."""
    offline_only = sorted(k for k in overrides if k in ONLINE_ONLY_FIELDS and not online)
    if offline_only:
        raise ReactBenchError(f"TransVAE config {offline_only}: online-track fields, read only by TransVAE_online")
    return make_profile_config(TransVAEConfig, ONLINE_PROFILES if online else PROFILES, profile, overrides,
                               label="TransVAE_online" if online else "TransVAE", online=online)


def resolved_config(profile: str = "small", **overrides: Any) -> dict[str, Any]:
    return make_config(profile, False, **overrides).to_dict()


def resolved_online_config(profile: str = "small", **overrides: Any) -> dict[str, Any]:
    return make_config(profile, True, **overrides).to_dict()

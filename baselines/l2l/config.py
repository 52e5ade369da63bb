"""L2L configuration: a plain dataclass, training profiles; imports no torch.

Defaults are the original's (evonneng/learning2listen: vqgan/configs/l2_32_smoothSS.json for the
VQ-VAE, configs/vq/delta_v6.json for the predictor); where the shared training core has no
equivalent (Noam warm-up, AdamW, early stopping on a random val split) docs/baselines.md says what
stands in its place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from react_bench.errors import ReactBenchError
from react_bench.methods.config import ProfileConfig, make_profile_config

CROSSFADES = ("triangular", "uniform")
# Fields only predict() reads: runs that differ only here can share one trained model.
INFERENCE_FIELDS: tuple[str, ...] = ("temperature", "top_p", "crossfade", "reencode_past")


@dataclass
class L2LConfig(ProfileConfig):
    LABEL: ClassVar[str] = "L2L"
    NON_ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = ("predict_batch",) + INFERENCE_FIELDS

    # stage 1: listener-motion VQ-VAE over windows of window_tokens * 2**quant_factor frames
    quant_factor: int = 3                 # 3 stride-2 / max-pool levels: 8 frames per token
    window_tokens: int = 4                # a 32-frame window is 4 tokens
    n_codes: int = 200                    # codebook entries
    vq_hidden: int = 256                  # transformer width = code dimension (zquant_dim)
    vq_layers: int = 12                   # encoder and decoder transformer depth each
    vq_heads: int = 8
    vq_ff: int = 384
    beta: float = 0.25                    # commitment weight
    # stage 2: predictor (FACT-style cross-modal transformer)
    hidden: int = 200                     # token / cross-modal width; the speaker streams are 2x
    heads: int = 10
    ff: int = 128
    speaker_layers: int = 2               # audio x motion cross-modal speaker transformer
    past_layers: int = 1                  # listener-past token transformer
    cross_layers: int = 5                 # listener past + speaker transformer
    max_mask_len: int = 4                 # random masking of the listener past in training
    use_attributes: bool = True           # speaker's 25 attributes in the motion stream
    # sampling (predict only)
    temperature: float = 0.7
    top_p: float = 0.9
    reencode_past: bool = True            # the original decodes the sampled past and re-encodes it
    crossfade: str = "triangular"         # overlapping decoded windows: triangular | uniform weights
    # training (the shared core), stage 1 (vq_*) and stage 2
    vq_epochs: int = 200
    vq_steps_per_epoch: int = 100
    vq_batch_size: int = 32
    vq_lr: float = 4e-4                   # the original's Noam peak (2.0 * 256^-0.5 * 100000^-0.5)
    vq_lr_milestones: tuple[int, ...] = (150,)
    epochs: int = 100
    steps_per_epoch: int = 100
    batch_size: int = 32
    lr: float = 1e-4
    lr_milestones: tuple[int, ...] = (75,)
    lr_gamma: float = 0.1
    weight_decay: float = 0.0
    predict_batch: int = 16               # directions per rollout batch (times n_samples rows)

    def __post_init__(self) -> None:
        self.lr_milestones = tuple(int(m) for m in self.lr_milestones)
        self.vq_lr_milestones = tuple(int(m) for m in self.vq_lr_milestones)
        if self.crossfade not in CROSSFADES:
            raise ReactBenchError(f"L2L crossfade {self.crossfade!r}; expected one of {CROSSFADES}")
        self.require_positive("quant_factor", "window_tokens", "n_codes", "vq_hidden", "vq_layers", "vq_heads",
                              "vq_ff", "hidden", "heads", "ff", "speaker_layers", "past_layers", "cross_layers",
                              "vq_epochs", "vq_steps_per_epoch", "vq_batch_size", "epochs", "steps_per_epoch",
                              "batch_size", "predict_batch")
        if self.vq_hidden % self.vq_heads or (2 * self.hidden) % self.heads or self.hidden % self.heads:
            raise ReactBenchError("L2L widths must be divisible by their head counts")
        if not 0.0 < self.top_p <= 1.0 or self.temperature <= 0.0:
            raise ReactBenchError("L2L sampling needs temperature > 0 and 0 < top_p <= 1")

    @property
    def token_frames(self) -> int:
        return 2 ** self.quant_factor

    @property
    def window(self) -> int:
        """Frames per VQ window (= the listener past and the predicted future)."""
        return self.window_tokens * self.token_frames

    @property
    def speaker_frames(self) -> int:
        """Speaker past + current frames seen per predicted token (32 + 8 = 40)."""
        return self.window + self.token_frames


_SMALL_NET = dict(vq_hidden=48, vq_layers=2, vq_heads=4, vq_ff=64, hidden=48, heads=4, ff=64, speaker_layers=1,
                  past_layers=1, cross_layers=2, predict_batch=48)
PROFILES: dict[str, dict[str, Any]] = {
    # the paper profile is meant for a GPU: 256 directions (2560 rollouts) a batch, 0.022 s a clip
    # on an H200 against 0.077 s at 16 (benchmarks/results/gpu-2026-12-04-h200/)
    "paper": dict(predict_batch=256),
    "small": dict(_SMALL_NET, vq_epochs=15, vq_steps_per_epoch=20, vq_batch_size=32, vq_lr=1e-3,
                  vq_lr_milestones=(12,), epochs=15, steps_per_epoch=20, batch_size=32, lr=1e-3,
                  lr_milestones=(12,), num_threads=1),
    "smoke": dict(vq_hidden=16, vq_layers=1, vq_heads=2, vq_ff=32, hidden=16, heads=2, ff=32, speaker_layers=1,
                  past_layers=1, cross_layers=1, vq_epochs=2, vq_steps_per_epoch=2, vq_batch_size=4,
                  vq_lr=1e-3, vq_lr_milestones=(), epochs=2, steps_per_epoch=2, batch_size=4, lr=1e-3,
                  lr_milestones=(), num_threads=1),
}


def make_config(profile: str = "small", **overrides: Any) -> L2LConfig:
    """The profile's L2LConfig with ``overrides`` (unknown profiles and keys refused)."""
    return make_profile_config(L2LConfig, PROFILES, profile, overrides)


def resolved_config(profile: str = "small", **overrides: Any) -> dict[str, Any]:
    return make_config(profile, **overrides).to_dict()

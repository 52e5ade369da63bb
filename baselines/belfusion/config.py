"""BeLFusion configuration: a plain dataclass, training profiles; imports no torch.

Defaults are the REACT 2024 challenge baseline's (``config/1_belfusion_vae.yaml`` for stage 1,
``config/2_belfusion_ldm.yaml`` for stage 2, and the defaults its code falls back to)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from react_bench.constants import N_FRAMES
from react_bench.errors import ReactBenchError
from react_bench.methods.config import FULL_PASS, ProfileConfig, make_profile_config

LATENTS = ("mu", "hidden")
INFERENCE_FIELDS: tuple[str, ...] = ("binarize_aus",)     # fit() never reads them


@dataclass
class BeLFusionConfig(ProfileConfig):
    LABEL: ClassVar[str] = "BeLFusion"
    # architecture_dict() is what a stage-2 checkpoint must match to be resumed (it holds the VAE too)
    NON_ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = ("infer_rows",) + INFERENCE_FIELDS

    window: int = 50                      # frames per window; 750 = 15 non-overlapping windows
    # stage 1: the GRU VAE over listener windows (AutoencoderRNN_VAE_v2)
    vae_hidden: int = 128                 # GRU hidden size of encoder and decoder
    z_dim: int = 128
    decoder_mlp: tuple[int, ...] = (64, 64)   # tanh MLP between the decoder GRU and its 25-d output
    vae_dropout: float = 0.0
    kld_weight: float = 1e-5
    latent: str = "mu"                    # mu: the posterior mean | hidden: the encoder GRU's last state (the port's encode())
    optimizer: str = "adamw"              # both stages; the port: optim.AdamW (decoupled weight decay)
    vae_epochs: int = 1000
    vae_steps_per_epoch: int = FULL_PASS
    vae_batch_size: int = 32              # clips (x 15 windows)
    vae_lr: float = 1e-3
    vae_weight_decay: float = 5e-4
    # stage 2: the latent MLP diffusion (LatentMLPMatcher / MLPSkipNet)
    diffusion_steps: int = 10             # cosine noise schedule, the model predicts x0
    k: int = 10                           # best-of-k: k noisy copies per training window, min loss over them
    hidden_channels: int = 1024
    layers: int = 10
    time_channels: int = 64               # sinusoidal timestep embedding width
    condition_bias: float = 1.0
    ldm_dropout: float = 0.0
    clip_denoised: bool = True            # clamp the predicted x0 to [-1, 1] while sampling
    eta: float = 0.0                      # DDIM eta (0: deterministic given the start noise)
    l1_latent_weight: float = 10.0        # 10 * min_k L1(latent) + 10 * min_k MSE(decoded)
    mse_decoded_weight: float = 10.0
    cond_attributes: bool = True          # frozen-VAE embedding of the speaker's 25 attributes (the original's condition)
    cond_features: bool = True            # + a GRU over the speaker's video + audio features
    feature_hidden: int = 128
    ldm_epochs: int = 100
    ldm_steps_per_epoch: int = FULL_PASS
    ldm_batch_size: int = 32              # clips (one window each, x k)
    ldm_lr: float = 1e-4
    ldm_weight_decay: float = 5e-4
    # inference
    binarize_aus: bool = False            # round the 15 AU columns (the challenge's "+binarised AUs" row)
    infer_rows: int = 4096                # latent rows per sampling batch (memory only)

    def __post_init__(self) -> None:
        self.decoder_mlp = tuple(int(w) for w in self.decoder_mlp)
        if self.window < 1 or N_FRAMES % self.window:
            raise ReactBenchError(f"BeLFusion window {self.window} must divide {N_FRAMES}")
        if self.latent not in LATENTS:
            raise ReactBenchError(f"BeLFusion latent {self.latent!r}; expected one of {LATENTS}")
        if self.latent == "hidden" and self.vae_hidden != self.z_dim:
            raise ReactBenchError("BeLFusion latent 'hidden' decodes the GRU state as z: vae_hidden must equal z_dim")
        if not (self.cond_attributes or self.cond_features):
            raise ReactBenchError("BeLFusion needs a condition: cond_attributes and/or cond_features")
        self.require_optimizer()
        self.require_positive("vae_hidden", "z_dim", "vae_epochs", "vae_steps_per_epoch", "vae_batch_size",
                              "diffusion_steps", "k", "hidden_channels", "time_channels", "feature_hidden",
                              "ldm_epochs", "ldm_steps_per_epoch", "ldm_batch_size", "infer_rows")
        if self.layers < 2:
            raise ReactBenchError("BeLFusion layers must be at least 2 (a first and a last layer)")

    @property
    def n_windows(self) -> int:
        return N_FRAMES // self.window

    def vae_architecture_dict(self) -> dict[str, Any]:
        """What a stage-1 checkpoint must match: the VAE's fields and schedule only."""
        keys = ("profile", "window", "vae_hidden", "z_dim", "decoder_mlp", "vae_dropout", "kld_weight", "vae_epochs",
                "vae_steps_per_epoch", "vae_batch_size", "vae_lr", "vae_weight_decay", "optimizer")
        d = self.to_dict()
        return {key: d[key] for key in keys}


PROFILES: dict[str, dict[str, Any]] = {
    "paper": {},
    # small: ~2.5 min of training for 192 train directions on 2 CPU cores (docs/baselines.md); the
    # short stage 2 takes a 10x learning rate
    "small": dict(vae_hidden=64, z_dim=64, decoder_mlp=(32,), vae_epochs=20, hidden_channels=256, layers=4,
                  feature_hidden=64, ldm_epochs=40, ldm_lr=1e-3, num_threads=1),
    "smoke": dict(vae_hidden=16, z_dim=16, decoder_mlp=(16,), vae_epochs=2, vae_steps_per_epoch=2, vae_batch_size=4,
                  hidden_channels=32, layers=3, time_channels=16, feature_hidden=16, ldm_epochs=2,
                  ldm_steps_per_epoch=2, ldm_batch_size=4, num_threads=1),
}


def make_config(profile: str = "small", **overrides: Any) -> BeLFusionConfig:
    """The profile's BeLFusionConfig with ``overrides`` (unknown profiles and keys refused)."""
    return make_profile_config(BeLFusionConfig, PROFILES, profile, overrides)


def resolved_config(profile: str = "small", **overrides: Any) -> dict[str, Any]:
    return make_config(profile, **overrides).to_dict()

"""BeLFusion's networks: the GRU VAE over 50-frame listener windows (stage 1), the speaker condition,
the latent MLP denoiser with skip inputs (stage 2) and the cosine-schedule DDIM sampler."""

from __future__ import annotations

import math

import torch
from torch import nn

from react_bench.constants import N_ATTRS
from react_bench.methods.inputs import Standardised

from .config import BeLFusionConfig


class WindowVAE(nn.Module):
    """Encoder: a GRU over the window, its last state -> (mu, logvar). Decoder: z -> a linear map
    to the GRU width; a GRU cell run for ``window`` steps on [that vector | the previous output
    frame] (zeros first), each state through a tanh MLP to the 25 attributes."""

    def __init__(self, cfg: BeLFusionConfig) -> None:
        super().__init__()
        h, z = cfg.vae_hidden, cfg.z_dim
        self.window, self.latent = cfg.window, cfg.latent
        self.encoder = nn.GRU(N_ATTRS, h, batch_first=True)
        self.fc_mu = nn.Linear(h, z)
        self.fc_logvar = nn.Linear(h, z)
        self.fc_z = nn.Linear(z, h)
        self.dropout = nn.Dropout(cfg.vae_dropout)
        self.cell = nn.GRUCell(h + N_ATTRS, h)
        layers: list[nn.Module] = []
        width = h
        for w in cfg.decoder_mlp:
            layers += [nn.Linear(width, w), nn.Tanh()]
            width = w
        self.mlp = nn.Sequential(*layers)
        self.out = nn.Linear(width, N_ATTRS)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """(B, window, 25) -> (B, vae_hidden): the encoder GRU's last state."""
        return self.encoder(x)[1][0]

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.hidden(x)
        return self.fc_mu(h), self.fc_logvar(h)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The latent that stage 2 diffuses: the posterior mean, or (latent='hidden', as the
        challenge port's encode()) the GRU state itself."""
        return self.hidden(x) if self.latent == "hidden" else self.fc_mu(self.hidden(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(B, z_dim) -> (B, window, 25), autoregressively."""
        h_z = self.dropout(self.fc_z(z))
        state = torch.zeros_like(h_z)
        frame = h_z.new_zeros(h_z.shape[0], N_ATTRS)
        frames = []
        for _ in range(self.window):
            state = self.cell(torch.cat([h_z, frame], dim=1), state)
            frame = self.out(self.mlp(state))
            frames.append(frame)
        return torch.stack(frames, dim=1)


class FeatureEncoder(Standardised):
    """The speaker's standardised video + audio window through a GRU; its last state."""

    def __init__(self, width: int, hidden: int) -> None:
        super().__init__(width)
        self.gru = nn.GRU(width, hidden, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gru(self.normalise(x))[1][0]


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding of integer steps: [cos(t f_i) | sin(t f_i)], f_i = max_period^(-i/half)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    return nn.functional.pad(emb, (0, dim % 2))


class _Layer(nn.Module):
    """Linear, then (all but the last layer) x * (bias + Linear(SiLU(cond))), LayerNorm, SiLU."""

    def __init__(self, c_in: int, c_out: int, cond_width: int, last: bool, bias: float, dropout: float) -> None:
        super().__init__()
        self.last, self.bias = last, bias
        self.linear = nn.Linear(c_in, c_out)
        if not last:
            self.cond = nn.Sequential(nn.SiLU(), nn.Linear(cond_width, c_out))
            self.norm = nn.LayerNorm(c_out)
            self.act = nn.SiLU()
            self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
            for module in self.modules():                  # He init before SiLU layers (as diffae)
                if isinstance(module, nn.Linear):
                    nn.init.kaiming_normal_(module.weight, a=0, nonlinearity="relu")

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x = self.linear(x)
        if self.last:
            return x
        return self.drop(self.act(self.norm(x * (self.bias + self.cond(cond)))))


class LatentDenoiser(nn.Module):
    """diffae's MLP skip-net: the noisy latent is concatenated to every layer's input; every layer
    but the last is scaled by [time embedding | condition embedding]. Predicts x0."""

    def __init__(self, z: int, cond_width: int, cfg: BeLFusionConfig) -> None:
        super().__init__()
        self.time_channels = cfg.time_channels
        self.time_embed = nn.Sequential(nn.Linear(cfg.time_channels, z), nn.SiLU(), nn.Linear(z, z))
        self.cond_embed = nn.Sequential(nn.Linear(cond_width, z), nn.SiLU(), nn.Linear(z, z))
        hid, n = cfg.hidden_channels, cfg.layers
        self.layers = nn.ModuleList(
            _Layer((z if i == 0 else hid) + z, z if i == n - 1 else hid, 2 * z, i == n - 1, cfg.condition_bias,
                   cfg.ldm_dropout) for i in range(n))

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        c = torch.cat([self.time_embed(timestep_embedding(t, self.time_channels)), self.cond_embed(cond)], dim=1)
        h = x
        for layer in self.layers:
            h = layer(torch.cat([h, x], dim=1), c)
        return h


class CosineDDIM(nn.Module):
    """The cosine noise schedule of Nichol & Dhariwal over ``steps`` steps (betas capped at 0.999),
    forward noising and DDIM sampling of a model that predicts x0. The tables are non-persistent
    buffers: derived, so not in the saved weights, and moved with the network, so that a training
    step on a GPU copies nothing from the host (a copy is a sync, which a CUDA graph cannot capture)."""

    def __init__(self, steps: int) -> None:
        super().__init__()

        def alpha_bar(s: float) -> float:
            return math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2

        betas = [min(1 - alpha_bar((i + 1) / steps) / max(1e-5, alpha_bar(i / steps)), 0.999) for i in range(steps)]
        cumprod = torch.cumprod(1 - torch.tensor(betas, dtype=torch.float64), 0)
        self.steps = steps
        self.register_buffer("alpha_bar", cumprod.float(), persistent=False)
        self.register_buffer("alpha_bar_prev", torch.cat([torch.ones(1, dtype=torch.float64), cumprod[:-1]]).float(),
                             persistent=False)

    def _at(self, table: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return table[t][:, None]

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        ab = self._at(self.alpha_bar, t)
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise

    @torch.no_grad()
    def sample(self, model, noise: torch.Tensor, cond: torch.Tensor, *, clip: bool = True, eta: float = 0.0,
               step_noise: torch.Tensor | None = None) -> torch.Tensor:
        """x0 from the start ``noise`` (N, z); ``step_noise`` (steps, N, z) is the fresh noise of each
        step when eta > 0."""
        x = noise
        x0 = noise
        for i, step in enumerate(reversed(range(self.steps))):
            t = torch.full((x.shape[0],), step, dtype=torch.long, device=x.device)
            x0 = model(x, t, cond)
            if clip:
                x0 = x0.clamp(-1, 1)
            ab, ab_prev = self._at(self.alpha_bar, t), self._at(self.alpha_bar_prev, t)
            eps = ((1 / ab).sqrt() * x - x0) / (1 / ab - 1).sqrt()
            sigma = eta * ((1 - ab_prev) / (1 - ab)).sqrt() * (1 - ab / ab_prev).sqrt()
            x = x0 * ab_prev.sqrt() + (1 - ab_prev - sigma ** 2).clamp_min(0).sqrt() * eps
            if eta > 0 and step > 0 and step_noise is not None:
                x = x + sigma * step_noise[i]
        return x0


class BeLFusionNet(nn.Module):
    """Everything a trained BeLFusion holds: the VAE, the latent range it normalises to [-1, 1]
    (min and max over the train split's speaker and listener windows), the speaker-feature encoder
    and the denoiser."""

    def __init__(self, cfg: BeLFusionConfig, feature_width: int) -> None:
        super().__init__()
        z = cfg.z_dim
        self.cond_attributes = cfg.cond_attributes
        self.vae = WindowVAE(cfg)
        self.register_buffer("lat_min", -torch.ones(z))
        self.register_buffer("lat_max", torch.ones(z))
        self.speaker = FeatureEncoder(feature_width, cfg.feature_hidden) if cfg.cond_features else None
        cond_width = (z if cfg.cond_attributes else 0) + (cfg.feature_hidden if cfg.cond_features else 0)
        self.denoiser = LatentDenoiser(z, cond_width, cfg)
        self.diffusion = CosineDDIM(cfg.diffusion_steps)

    def normalise(self, e: torch.Tensor) -> torch.Tensor:
        return 2 * (e - self.lat_min) / (self.lat_max - self.lat_min).clamp_min(1e-6) - 1

    def unnormalise(self, x: torch.Tensor) -> torch.Tensor:
        return (x + 1) * (self.lat_max - self.lat_min).clamp_min(1e-6) / 2 + self.lat_min

    def encode(self, windows: torch.Tensor) -> torch.Tensor:
        """(B, window, 25) -> (B, z) normalised latents."""
        return self.normalise(self.vae.embed(windows))

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """(B, z) normalised latents -> (B, window, 25)."""
        return self.vae.decode(self.unnormalise(latents))

    def condition(self, speaker: torch.Tensor) -> torch.Tensor:
        """(B, window, C) speaker inputs [video | audio | attributes] -> (B, cond_width)."""
        parts = []
        if self.cond_attributes:
            with torch.no_grad():
                parts.append(self.encode(speaker[..., -N_ATTRS:]))
        if self.speaker is not None:
            parts.append(self.speaker(speaker[..., :-N_ATTRS]))
        return torch.cat(parts, dim=1)

    def stage2_parameters(self) -> list[nn.Parameter]:
        """What stage 2 trains: the denoiser and the speaker-feature encoder."""
        return list(self.denoiser.parameters()) + (list(self.speaker.parameters()) if self.speaker is not None else [])

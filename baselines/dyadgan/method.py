"""DyadGAN (Huang & Khan 2017), level 1, ported to 25-d listener windows: a DCGAN-style conditional
GAN. G: the speaker's per-frame condition with a noise vector z broadcast over the window, four 1-D
convolutions (BatchNorm, ReLU) to the listener's window. D: [listener window | condition] through
three stride-2 convolutions (leaky ReLU, BatchNorm after the first) to a real/fake logit, so D is
conditioned on the speaker input. Loss: the conditional GAN's BCE (plus an optional L1, off by
default). The ten samples differ in z, one z per (clip, sample) (docs/baselines.md)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from react_bench.constants import EXPR_SLICE, N_ATTRS
from react_bench.methods.window_gan import Batch, Standardised, WindowGANMethod, bce, update_discriminator

from .config import DyadGANConfig, make_config

LEAK = 0.2


class ConditionalGenerator(Standardised):
    def __init__(self, width: int, cfg: DyadGANConfig) -> None:
        super().__init__(width)
        layers: list[nn.Module] = []
        c = width + cfg.z_dim
        for w in (4 * cfg.ngf, 2 * cfg.ngf, cfg.ngf):
            layers += [nn.Conv1d(c, w, cfg.kernel, padding=cfg.kernel // 2), nn.BatchNorm1d(w), nn.ReLU()]
            c = w
        layers.append(nn.Conv1d(c, N_ATTRS, cfg.kernel, padding=cfg.kernel // 2))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """(B, W, C) speaker condition, (B, z_dim) noise -> (B, W, 25)."""
        c = self.normalise(x)
        h = torch.cat([c, z[:, None, :].expand(-1, c.shape[1], -1)], -1)
        return self.net(h.transpose(1, 2)).transpose(1, 2)


class ConditionalDiscriminator(nn.Module):
    def __init__(self, width: int, cfg: DyadGANConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c, length = N_ATTRS + width, cfg.window
        for i, w in enumerate((cfg.ndf, 2 * cfg.ndf, 4 * cfg.ndf)):
            layers += [nn.Conv1d(c, w, 4, stride=2, padding=1)] + ([nn.BatchNorm1d(w)] if i else []) + \
                [nn.LeakyReLU(LEAK)]
            c, length = w, length // 2
        self.net = nn.Sequential(*layers, nn.Flatten())
        self.logit = nn.Linear(c * length, 1)

    def forward(self, y: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """(B, W, 25) listener window, (B, W, C) standardised condition -> (B,) logits."""
        return self.logit(self.net(torch.cat([y, condition], -1).transpose(1, 2))).squeeze(1)


class DyadGANMethod(WindowGANMethod):
    NAME = "DyadGAN"
    CONFIG_CLASS = DyadGANConfig
    LOSS_KEYS = ("loss", "d_loss", "gan", "l1")
    config: DyadGANConfig

    def make_config(self, profile: str, **overrides: Any) -> DyadGANConfig:
        return make_config(profile, **overrides)

    def select(self, x: torch.Tensor) -> torch.Tensor:
        """condition "expressions": the features (if any) and the 8 expression columns of the
        speaker's attributes, which speaker_inputs puts last."""
        if self.config.condition == "attributes":
            return x
        first = x.shape[-1] - N_ATTRS
        keep = list(range(first)) + list(range(first + EXPR_SLICE.start, first + EXPR_SLICE.stop))
        return x[..., keep]

    def build_generator(self, width: int) -> ConditionalGenerator:
        return ConditionalGenerator(width, self.config)

    def build_discriminator(self, width: int) -> ConditionalDiscriminator:
        return ConditionalDiscriminator(width, self.config)

    def draw_codes(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return torch.randn((n, self.config.z_dim), generator=generator)

    def gan_step(self, g, d, d_opt, batch: Batch, generator: torch.Generator):
        x, y, _ = batch
        condition = g.normalise(x)
        fake = g(x, torch.randn((x.shape[0], self.config.z_dim), generator=generator, device=x.device))
        if d_opt is not None:
            update_discriminator(d, d_opt, lambda: bce(d(y, condition), True) + bce(d(fake.detach(), condition), False))
        fake_logit = d(fake, condition)
        gan, l1 = bce(fake_logit, True), F.l1_loss(fake, y)
        with torch.no_grad():
            d_loss = bce(d(y, condition), True) + bce(fake_logit, False)
        return gan + self.config.l1_weight * l1, {"d_loss": d_loss, "gan": gan.detach(), "l1": l1.detach()}

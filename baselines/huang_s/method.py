"""Huang_S: stage 1 of Huang et al. (BMVC 2018), the shape GAN, ported to 25-d listener windows.

G: an MLP U-Net from a flattened window of speaker inputs and z = [continuous code | one-hot identity]
(z concatenated after each of 4 encoder linears; 4 decoder linears with BatchNorm, dropout on d1..d3
and skips to e4..e1) to the listener's window. D (InfoGAN style) sees only the listener window, real
or generated, and has a real/fake logit, an identity head and a continuous-code head. Losses as in
the authors' au2shape: GAN (BCE) + 10 L1 + 10 L1 feature matching on D's h0..h2 + identity CE +
continuous MSE; G is stepped twice per D step. The data have no identity labels: the listener's
identity (its path without the clip number) is hashed into ``n_identities`` classes for training;
at inference every sample draws its own continuous code and identity (docs/baselines.md)."""

from __future__ import annotations

import zlib
from typing import Any, NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from react_bench.constants import N_ATTRS
from react_bench.data.split import SplitData
from react_bench.methods.window_gan import Batch, Standardised, WindowGANMethod, bce, update_discriminator

from .config import HuangSConfig, make_config

LEAK = 0.2                    # leaky-ReLU slope (DCGAN-tensorflow's lrelu)


def identity_classes(paths: list[str], n_classes: int) -> torch.Tensor:
    """(S,) identity class of each person: crc32 of the path without its last (clip) part, mod n."""
    people = [p.replace("\\", "/").rstrip("/").rsplit("/", 1)[0] for p in paths]
    return torch.tensor([zlib.crc32(p.encode()) % n_classes for p in people], dtype=torch.long)


class ShapeGenerator(Standardised):
    def __init__(self, width: int, cfg: HuangSConfig) -> None:
        super().__init__(width)
        units, zd = 2 * cfg.gf_dim, cfg.n_cont + cfg.n_identities
        self.window = cfg.window
        self.encoder = nn.ModuleList([nn.Linear(cfg.window * width, units)] +
                                     [nn.Linear(units + zd, units) for _ in range(3)])
        self.enc_norm = nn.ModuleList([nn.Identity()] + [nn.BatchNorm1d(units) for _ in range(3)])
        self.decoder = nn.ModuleList([nn.Linear(units + zd, units)] +
                                     [nn.Linear(2 * units + zd, units) for _ in range(3)])
        self.dec_norm = nn.ModuleList([nn.BatchNorm1d(units) for _ in range(4)])
        self.dropout = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(2 * units + zd, cfg.window * N_ATTRS)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """(B, W, C) speaker window, (B, dz) code -> (B, W, 25)."""
        b = x.shape[0]
        h = self.normalise(x).reshape(b, -1)
        skips = []
        for i, (linear, norm) in enumerate(zip(self.encoder, self.enc_norm)):
            h = torch.cat([norm(linear(h if i == 0 else F.leaky_relu(h, LEAK))), z], 1)
            skips.append(h)
        for i, (linear, norm) in enumerate(zip(self.decoder, self.dec_norm)):
            h = norm(linear(F.relu(h)))
            if i < 3:
                h = self.dropout(h)
            h = torch.cat([h, skips[-1 - i]], 1)
        return self.head(F.relu(h)).view(b, self.window, N_ATTRS)


class DOut(NamedTuple):
    logit: torch.Tensor                    # (B,)
    features: tuple[torch.Tensor, ...]     # h0, h1, h2
    identity: torch.Tensor                 # (B, n_identities) logits
    cont: torch.Tensor                     # (B, n_cont)


class InfoDiscriminator(nn.Module):
    """h0 = lrelu(lin 2df), h1 = lrelu(bn(lin 4df)), h2 = lrelu(bn(lin 4df)); logit from h2; the code
    heads from a shared lrelu(bn(lin 2df)) layer on h2."""

    def __init__(self, cfg: HuangSConfig) -> None:
        super().__init__()
        a, b = 2 * cfg.df_dim, 4 * cfg.df_dim
        self.h0 = nn.Linear(cfg.window * N_ATTRS, a)
        self.h1 = nn.Sequential(nn.Linear(a, b), nn.BatchNorm1d(b))
        self.h2 = nn.Sequential(nn.Linear(b, b), nn.BatchNorm1d(b))
        self.logit = nn.Linear(b, 1)
        self.share = nn.Sequential(nn.Linear(b, a), nn.BatchNorm1d(a))
        self.identity = nn.Linear(a, cfg.n_identities)
        self.cont = nn.Linear(a, cfg.n_cont)

    def forward(self, y: torch.Tensor) -> DOut:
        h0 = F.leaky_relu(self.h0(y.reshape(y.shape[0], -1)), LEAK)
        h1 = F.leaky_relu(self.h1(h0), LEAK)
        h2 = F.leaky_relu(self.h2(h1), LEAK)
        shared = F.leaky_relu(self.share(h2), LEAK)
        return DOut(self.logit(h2).squeeze(1), (h0, h1, h2), self.identity(shared), self.cont(shared))


class HuangSMethod(WindowGANMethod):
    NAME = "Huang_S"
    CONFIG_CLASS = HuangSConfig
    LOSS_KEYS = ("loss", "d_loss", "gan", "l1", "feature", "identity", "cont")
    config: HuangSConfig

    def make_config(self, profile: str, **overrides: Any) -> HuangSConfig:
        return make_config(profile, **overrides)

    def clip_labels(self, split: SplitData) -> torch.Tensor:
        return identity_classes(split.listener_paths, self.config.n_identities)

    def build_generator(self, width: int) -> ShapeGenerator:
        return ShapeGenerator(width, self.config)

    def build_discriminator(self, width: int) -> InfoDiscriminator:
        return InfoDiscriminator(self.config)

    def _code(self, cont: torch.Tensor, identity: torch.Tensor) -> torch.Tensor:
        # one-hot by comparison: F.one_hot reads its classes' range back on the CPU, a host read the
        # cuda-graphs check (dispatch_count) would flag though CUDA skips it
        classes = torch.arange(self.config.n_identities, device=identity.device)
        return torch.cat([cont, (identity[:, None] == classes).to(cont.dtype)], 1)

    def draw_codes(self, n: int, generator: torch.Generator) -> torch.Tensor:
        cfg = self.config
        cont = torch.randn((n, cfg.n_cont), generator=generator)
        return self._code(cont, torch.randint(0, cfg.n_identities, (n,), generator=generator))

    def gan_step(self, g, d, d_opt, batch: Batch, generator: torch.Generator):
        cfg = self.config
        x, y, identity = batch
        cont = torch.randn((x.shape[0], cfg.n_cont), generator=generator, device=x.device)
        fake = g(x, self._code(cont, identity))

        def d_objective(real: DOut, fake_out: DOut) -> torch.Tensor:
            return bce(real.logit, True) + bce(fake_out.logit, False) + cfg.cat_weight * (
                F.cross_entropy(real.identity, identity) + F.cross_entropy(fake_out.identity, identity)) + \
                cfg.cont_weight * F.mse_loss(fake_out.cont, cont)

        if d_opt is not None:
            update_discriminator(d, d_opt, lambda: d_objective(d(y), d(fake.detach())))
        real, out = d(y), d(fake)
        terms = {"gan": bce(out.logit, True), "l1": F.l1_loss(fake, y),
                 "feature": sum(F.l1_loss(f, r) for f, r in zip(out.features, real.features)),
                 "identity": F.cross_entropy(out.identity, identity), "cont": F.mse_loss(out.cont, cont)}
        loss = terms["gan"] + cfg.l1_weight * terms["l1"] + cfg.feature_weight * terms["feature"] + \
            cfg.cat_weight * terms["identity"] + cfg.cont_weight * terms["cont"]
        with torch.no_grad():
            terms["d_loss"] = d_objective(real, out)
        return loss, {k: v.detach() for k, v in terms.items()}

"""The Trans-VAE networks (REACT 2023 baseline, model/TransformerVAE.py), on precomputed features.

Offline: speaker encoder (one linear map per input stream, fused by a linear layer) -> a 1-layer
transformer encoder over [mu token, logvar token, frames] whose two token outputs are the mean and
log-variance of z -> z sampled -> two transformer-decoder layers over sinusoidal time queries with a
causal mask (layer 1 attends to z, layer 2 to layer 1's output) -> the 25-d emotion head.

Online: window i of w frames sees the speaker's prefix fused frame by frame with the model's own
earlier output (zero where none exists yet) and draws its own z; from window 1 on, the decoded window
is refined by a causal decoder layer over [embedded own past | window] and an LSTM whose state starts
from the embedded last past frame (the original's 3DMM branch, here on the 25 attributes).

Two layers compute only the positions that are read: the encoder layer its two token outputs, the
online refinement layer the window's frames. Both equal the full layers' outputs at those positions
(one layer each, so no other position is ever used) and make a window O(prefix) instead of O(prefix^2)."""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Callable, Iterator

import torch
from torch import nn
from torch.nn import functional as F

from react_bench.constants import N_ATTRS
from react_bench.methods.inputs import Standardised

from .config import TransVAEConfig


@contextmanager
def without_mha_fastpath() -> Iterator[None]:
    """Inference without torch's fast multi-head-attention path: with a mask it takes a masked
    softmax that is ~5x slower on CPUs than the fused scaled-dot-product kernels."""
    before = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        yield
    finally:
        torch.backends.mha.set_fastpath_enabled(before)


def causal_mask(n_queries: int, n_keys: int, device: torch.device) -> torch.Tensor:
    """(n_queries, n_keys) bool, True = may not attend: the queries are the last n_queries keys."""
    q = torch.arange(n_keys - n_queries, n_keys, device=device)[:, None]
    return torch.arange(n_keys, device=device)[None, :] > q


def attend(mha: nn.MultiheadAttention, q: torch.Tensor, kv: torch.Tensor, blocked: torch.Tensor | None = None
           ) -> torch.Tensor:
    """``mha(q, kv, kv, attn_mask=blocked)`` (batch first) computed straight with scaled_dot_product_attention:
    the same parameters and result, without the module's generic path that copies its inputs around
    (several times faster on CPUs when q is short and kv long)."""
    b, lq, d = q.shape
    heads = mha.num_heads
    wq, wk, wv = mha.in_proj_weight.split(d)
    bq, bk, bv = mha.in_proj_bias.split(d)

    def split_heads(x: torch.Tensor) -> torch.Tensor:
        return x.view(b, x.shape[1], heads, d // heads).transpose(1, 2)

    out = F.scaled_dot_product_attention(split_heads(F.linear(q, wq, bq)), split_heads(F.linear(kv, wk, bk)),
                                         split_heads(F.linear(kv, wv, bv)),
                                         attn_mask=None if blocked is None else ~blocked,
                                         dropout_p=mha.dropout if mha.training else 0.0)
    return mha.out_proj(out.transpose(1, 2).reshape(b, lq, d))


class TimeQueries(nn.Module):
    """Zero queries plus the sinusoidal position code (then dropout), as the original's PositionalEncoding."""

    def __init__(self, dim: int, dropout: float, max_len: int = 5000) -> None:
        super().__init__()
        position = torch.arange(max_len, dtype=torch.float32)[:, None]
        freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
        code = torch.zeros(max_len, dim)
        code[:, 0::2] = torch.sin(position * freq)
        code[:, 1::2] = torch.cos(position * freq)
        self.register_buffer("code", code, persistent=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, batch: int, frames: int) -> torch.Tensor:
        return self.dropout(self.code[:frames].expand(batch, frames, -1))


class SpeakerEncoder(Standardised):
    """Standardised [video | audio | attributes] frames -> (B, T, D): a linear map per stream, then a
    linear fusion (the original: Conv3D + fc on face crops, linear on 78-d MFCCs, linear fusion)."""

    def __init__(self, widths: tuple[int, ...], dim: int) -> None:
        super().__init__(sum(int(w) for w in widths))
        self.widths = tuple(int(w) for w in widths)
        self.streams = nn.ModuleList([nn.Linear(w, dim) for w in self.widths])
        self.fusion = nn.Linear(dim * len(self.widths), dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = torch.split(self.normalise(x), self.widths, dim=-1)
        return self.fusion(torch.cat([m(p) for m, p in zip(self.streams, parts)], dim=-1))


class TokenReadoutLayer(nn.Module):
    """A post-norm transformer encoder layer (ReLU feed-forward) evaluated only at the leading
    ``n_tokens`` positions of its input sequence."""

    def __init__(self, dim: int, heads: int, ff: int, dropout: float, attn_dropout: float) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, dropout=attn_dropout, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(dim, ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ff, dim))
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.drop1, self.drop2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, seq: torch.Tensor, n_tokens: int) -> torch.Tensor:
        q = seq[:, :n_tokens]
        h = self.norm1(q + self.drop1(attend(self.attn, q, seq)))
        return self.norm2(h + self.drop2(self.ff(h)))


class LatentEncoder(nn.Module):
    """The original's VAEModel: linear, learnable mu / logvar tokens, a 1-layer transformer encoder."""

    def __init__(self, cfg: TransVAEConfig) -> None:
        super().__init__()
        d = cfg.feature_dim
        self.linear = nn.Linear(d, d)
        self.mu_token = nn.Parameter(torch.randn(d))
        self.logvar_token = nn.Parameter(torch.randn(d))
        self.layer = TokenReadoutLayer(d, cfg.n_heads, cfg.ff_mult * d, cfg.dropout, cfg.attn_dropout)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b = x.shape[0]
        tokens = torch.stack([self.mu_token, self.logvar_token]).expand(b, 2, -1)
        out = self.layer(torch.cat([tokens, self.linear(x)], dim=1), 2)
        return out[:, 0], out[:, 1]


class TailDecoderLayer(nn.Module):
    """A post-norm transformer decoder layer whose target and memory are one sequence, with a causal
    self-attention mask, evaluated only at the sequence's last ``n_tail`` positions."""

    def __init__(self, dim: int, heads: int, ff: int, dropout: float, attn_dropout: float) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(dim, heads, dropout=attn_dropout, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(dim, heads, dropout=attn_dropout, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(dim, ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ff, dim))
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.drop1, self.drop2, self.drop3 = nn.Dropout(dropout), nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, seq: torch.Tensor, n_tail: int) -> torch.Tensor:
        q = seq[:, -n_tail:]
        mask = causal_mask(n_tail, seq.shape[1], seq.device)
        h = self.norm1(q + self.drop1(attend(self.self_attn, q, seq, mask)))
        h = self.norm2(h + self.drop2(attend(self.cross_attn, h, seq)))
        return self.norm3(h + self.drop3(self.ff(h)))


class ReactionDecoder(nn.Module):
    """z -> (B, frames, D): time queries through two causal transformer-decoder layers."""

    def __init__(self, cfg: TransVAEConfig) -> None:
        super().__init__()
        d = cfg.feature_dim
        self.queries = TimeQueries(d, cfg.dropout)

        def layer() -> nn.TransformerDecoderLayer:
            out = nn.TransformerDecoderLayer(d, cfg.n_heads, dim_feedforward=cfg.ff_mult * d, dropout=cfg.dropout,
                                             batch_first=True)
            out.self_attn.dropout = out.multihead_attn.dropout = cfg.attn_dropout
            return out

        self.layer1, self.layer2 = layer(), layer()

    def forward(self, z: torch.Tensor, frames: int) -> torch.Tensor:
        mask = causal_mask(frames, frames, z.device)      # is_causal: the same mask, fused kernels may use it
        h = self.layer1(self.queries(z.shape[0], frames), z[:, None], tgt_mask=mask, tgt_is_causal=True)
        return self.layer2(h, h, tgt_mask=mask, tgt_is_causal=True)


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Mean over elements of KL(N(mu, exp(logvar)) || N(0, 1))."""
    return (0.5 * (logvar.exp() + mu * mu - 1.0 - logvar)).mean()


def sample_z(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    return mu + (0.5 * logvar).exp() * eps


class TransVAE(nn.Module):
    """Offline: the whole clip at once; one z per clip (and sample)."""

    def __init__(self, widths: tuple[int, ...], cfg: TransVAEConfig) -> None:
        super().__init__()
        d = cfg.feature_dim
        self.speaker = SpeakerEncoder(widths, d)
        self.latent = LatentEncoder(cfg)
        self.decoder = ReactionDecoder(cfg)
        self.head = nn.Sequential(nn.Linear(d, d), nn.Linear(d, N_ATTRS))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, C) speaker inputs -> mu, logvar (B, D)."""
        return self.latent(self.speaker(x))

    def decode(self, z: torch.Tensor, frames: int) -> torch.Tensor:
        return self.head(self.decoder(z, frames))

    def forward(self, x: torch.Tensor, eps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Training: (B, T, 25) reaction for noise ``eps`` (B, D), and the KL term."""
        mu, logvar = self.encode(x)
        return self.decode(sample_z(mu, logvar, eps), x.shape[1]), kl_to_standard_normal(mu, logvar)


class TransVAEOnline(nn.Module):
    """Online: one window of ``window`` frames per call, from the speaker prefix and its own past."""

    def __init__(self, widths: tuple[int, ...], cfg: TransVAEConfig) -> None:
        super().__init__()
        d = cfg.feature_dim
        self.window = cfg.window
        self.speaker = SpeakerEncoder(widths, d)
        self.fusion = nn.Linear(d + N_ATTRS, d)            # the original: [speaker | own 3DMM | own emotion]
        self.latent = LatentEncoder(cfg)
        self.decoder = ReactionDecoder(cfg)
        self.embed_past = nn.Linear(N_ATTRS, d)            # the original's linear_3d, on own 3DMM
        self.embed_window = nn.Linear(d, d)                # linear_reaction
        # listener_reaction_decoder_3d:
        self.refine = TailDecoderLayer(d, cfg.n_heads, cfg.ff_mult * d, cfg.dropout, cfg.attn_dropout)
        self.lstm = nn.LSTM(d, d, 1, batch_first=True)
        self.head = nn.Sequential(nn.Linear(2 * d, d), nn.Linear(d, N_ATTRS))

    def step(self, speaker: torch.Tensor, past: torch.Tensor, eps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One window for n samples of B clips. speaker: (B, T, D) encoded speaker prefix (T >= t0 + window
        unless the clip ends); past: (B, n, t0, 25) own output so far; eps: (B, n, D) noise of z.
        -> (B, n, window, 25), KL term. The fusion [speaker | own output] is split into its two linear
        parts, so the speaker's is computed once per clip, not per sample."""
        b, frames, d = speaker.shape
        n, t0 = past.shape[1], past.shape[2]
        from_speaker, from_own = self.fusion.weight.split([d, N_ATTRS], dim=1)
        fused = F.linear(speaker, from_speaker, self.fusion.bias)[:, None].expand(b, n, frames, d)
        if t0:                                            # own output is 0 where none exists yet
            k = min(t0, frames)
            own = F.linear(past[:, :, :k], from_own)
            fused = torch.cat([fused[:, :, :k] + own, fused[:, :, k:]], dim=2)
        mu, logvar = self.latent(fused.reshape(b * n, frames, d))
        reaction = self.decoder(sample_z(mu, logvar, eps.reshape(b * n, d)), self.window)
        if t0 == 0:
            refined = reaction
        else:
            embedded = self.embed_past(past.reshape(b * n, t0, N_ATTRS))
            seq = torch.cat([embedded, self.embed_window(reaction)], dim=1)
            state = embedded[:, -1][None].contiguous()
            refined, _ = self.lstm(self.refine(seq, self.window), (state, state))
        chunk = self.head(torch.cat([refined, reaction], dim=-1))
        return chunk.view(b, n, self.window, N_ATTRS), kl_to_standard_normal(mu, logvar)

    def forward(self, x: torch.Tensor, noise: torch.Tensor, lookahead: int = 0,
                step: Callable[..., tuple[torch.Tensor, torch.Tensor]] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Training: the windows of a (B, T, C) clip in order, each from the speaker prefix up to its end
        (+ lookahead) and the model's own earlier windows; noise (B, n_windows, D). -> (B, T, 25), mean KL.
        ``step`` (default ``self.step``) is the per-window call: training passes a compiled one, so that
        compiling does not unroll the 47-window loop into one graph."""
        step = self.step if step is None else step
        speaker = self.speaker(x)
        frames = x.shape[1]
        out = x.new_zeros(x.shape[0], 1, 0, N_ATTRS)
        kls = []
        for i, t0 in enumerate(range(0, frames, self.window)):
            seen = min(t0 + self.window + lookahead, frames)
            chunk, kl = step(speaker[:, :seen], out, noise[:, i, None])
            out = torch.cat([out, chunk[:, :, :frames - t0]], dim=2)
            kls.append(kl)
        return out[:, 0], torch.stack(kls).mean()


def n_windows(frames: int, window: int) -> int:
    return -(-frames // window)

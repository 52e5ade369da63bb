"""Perceptual processor: MulT-style cross-modal fusion of precomputed speaker features.

Official shape (regnn_official.md §2.2): video attends to audio (5 pre-LN layers, 128-d, 4 heads),
then self-attention (5 layers), then ``h + Linear(ReLU(Linear(h)))`` and Linear 128 -> 64, per frame.
Each encoder scales its input by sqrt(d), adds sinusoidal positions and applies embedding dropout;
one LayerNorm normalises query, key and value of the attention block (kept as in the official
model). Not reproduced: the fairseq padding quirk that zeroes the position embedding where
channel 0 equals 0 (D-M8).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import REGNNConfig


def sinusoidal_positions(length: int, dim: int, device: torch.device | None = None) -> torch.Tensor:
    """(length, dim) sin | cos embedding of positions 1..length (fairseq layout)."""
    half = dim // 2
    scale = math.log(10000.0) / max(half - 1, 1)
    freq = torch.exp(torch.arange(half, dtype=torch.float32, device=device) * -scale)
    pos = torch.arange(1, length + 1, dtype=torch.float32, device=device)[:, None] * freq[None, :]
    emb = torch.cat([torch.sin(pos), torch.cos(pos)], dim=1)
    if dim % 2:
        emb = F.pad(emb, (0, 1))
    return emb


class Attention(nn.Module):
    """Multi-head attention with separate q / k / v / out projections (bias on)."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.dropout = dropout
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, kv: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        h = self.heads

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, y.shape[1], h, d // h).transpose(1, 2)

        y = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(kv)), split(self.v(kv)),
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.out(y.transpose(1, 2).reshape(b, t, d))


class EncoderLayer(nn.Module):
    """Pre-LN layer: x + Attn(LN(x), LN(kv)), then x + FFN(LN(x)) (ReLU)."""

    def __init__(self, dim: int, heads: int, ffn_mult: int, attn_dropout: float,
                 relu_dropout: float, res_dropout: float) -> None:
        super().__init__()
        self.norm_attn = nn.LayerNorm(dim)      # shared by query and key/value, as in MulT
        self.attn = Attention(dim, heads, attn_dropout)
        self.norm_ffn = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, ffn_mult * dim)
        self.fc2 = nn.Linear(ffn_mult * dim, dim)
        self.relu_dropout = nn.Dropout(relu_dropout)
        self.res_dropout = nn.Dropout(res_dropout)

    def forward(self, x: torch.Tensor, kv: torch.Tensor | None = None) -> torch.Tensor:
        q = self.norm_attn(x)
        k = q if kv is None else self.norm_attn(kv)
        x = x + self.res_dropout(self.attn(q, k))
        h = self.fc2(self.relu_dropout(F.relu(self.fc1(self.norm_ffn(x)))))
        return x + self.res_dropout(h)


class Encoder(nn.Module):
    """fairseq-style encoder: sqrt(d)-scaled input + positions + dropout, layers, final LayerNorm.

    With ``kv`` given the layers are cross-modal (queries from x, keys/values from kv; kv gets the
    same scaling and positions); without it they are self-attention.
    """

    def __init__(self, cfg: REGNNConfig, n_layers: int) -> None:
        super().__init__()
        self.dim = cfg.d_model
        self.embed_dropout = nn.Dropout(cfg.embed_dropout)
        self.layers = nn.ModuleList(
            EncoderLayer(cfg.d_model, cfg.n_heads, cfg.ffn_mult, cfg.attn_dropout, cfg.relu_dropout,
                         cfg.res_dropout) for _ in range(n_layers))
        self.norm = nn.LayerNorm(cfg.d_model)

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        pos = sinusoidal_positions(x.shape[1], self.dim, x.device)
        return self.embed_dropout(math.sqrt(self.dim) * x + pos[None])

    def forward(self, x: torch.Tensor, kv: torch.Tensor | None = None) -> torch.Tensor:
        x = self._embed(x)
        kv = None if kv is None else self._embed(kv)
        for layer in self.layers:
            x = layer(x, kv)
        return self.norm(x)


class PerceptualFusion(nn.Module):
    """(B, T, Dv) video + (B, T, Da) audio -> (B, T, fusion_dim) fused per-frame features."""

    def __init__(self, cfg: REGNNConfig) -> None:
        super().__init__()
        if cfg.video_dim is None or cfg.audio_dim is None:
            raise ValueError("REGNNConfig.video_dim / audio_dim must be set before building the model")
        self.modalities = cfg.modalities
        d = cfg.d_model
        # Per-feature standardisation (identity unless fit() fills it; saved in the state_dict).
        self.register_buffer("video_mean", torch.zeros(cfg.video_dim))
        self.register_buffer("video_std", torch.ones(cfg.video_dim))
        self.register_buffer("audio_mean", torch.zeros(cfg.audio_dim))
        self.register_buffer("audio_std", torch.ones(cfg.audio_dim))
        # Official: 1x1 conv without bias; no projection when the width already equals d_model.
        self.proj_video = self._projection(cfg.video_dim, d) if cfg.modalities != "audio" else None
        self.proj_audio = self._projection(cfg.audio_dim, d) if cfg.modalities != "video" else None
        self.cross = Encoder(cfg, cfg.cross_layers)
        self.self_attn = Encoder(cfg, cfg.self_layers)
        self.fc1 = nn.Linear(d, d)
        self.fc2 = nn.Linear(d, d)
        self.head = nn.Linear(d, cfg.fusion_dim)

    @staticmethod
    def _projection(width: int, dim: int) -> nn.Module:
        return nn.Identity() if width == dim else nn.Linear(width, dim, bias=False)

    def set_input_stats(self, video_mean: torch.Tensor, video_std: torch.Tensor,
                        audio_mean: torch.Tensor, audio_std: torch.Tensor) -> None:
        self.video_mean.copy_(video_mean)
        self.video_std.copy_(video_std)
        self.audio_mean.copy_(audio_mean)
        self.audio_std.copy_(audio_std)

    def forward(self, video: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        v = a = None
        if self.proj_video is not None:
            v = self.proj_video((video - self.video_mean) / self.video_std)
        if self.proj_audio is not None:
            a = self.proj_audio((audio - self.audio_mean) / self.audio_std)
        if self.modalities == "both":
            h = self.cross(v, a)                 # video queries audio
        else:                                    # single-modality ablation: same depth, self-attention
            h = self.cross(v if a is None else a)
        h = self.self_attn(h)
        h = h + self.fc2(F.relu(self.fc1(h)))
        return self.head(h)

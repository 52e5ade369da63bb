"""L2L networks: the listener-motion VQ-VAE (stage 1), the cross-modal token predictor (stage 2),
nucleus sampling and the autoregressive rollout with cross-faded decoding."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from react_bench.constants import N_ATTRS
from react_bench.methods.inputs import Standardised
from react_bench.methods.windows import overlap_average, to_windows

from .config import L2LConfig

LEAK = 0.2


def transformer(width: int, layers: int, heads: int, ff: int) -> nn.TransformerEncoder:
    """Pre-norm transformer (the original's Residual(Norm(Attention / MLP)) blocks), no dropout."""
    layer = nn.TransformerEncoderLayer(width, heads, ff, dropout=0.0, activation="gelu", batch_first=True,
                                       norm_first=True)
    return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


def conv_block(width: int, stride: int = 1, pool: bool = False) -> nn.Sequential:
    """Conv1d k5 (replicate padding), leaky ReLU, BatchNorm, optional x2 max-pooling."""
    layers: list[nn.Module] = [nn.Conv1d(width, width, 5, stride=stride, padding=2, padding_mode="replicate"),
                               nn.LeakyReLU(LEAK), nn.BatchNorm1d(width)]
    return nn.Sequential(*layers, nn.MaxPool1d(2)) if pool else nn.Sequential(*layers)


def downsampler(c_in: int, width: int, quant_factor: int) -> nn.Sequential:
    """x 2**quant_factor temporal downsampling on (B, C, T): a stride-2 conv, then conv + max-pool."""
    first = nn.Sequential(nn.Conv1d(c_in, width, 5, stride=2, padding=2, padding_mode="replicate"),
                          nn.LeakyReLU(LEAK), nn.BatchNorm1d(width))
    return nn.Sequential(first, *[conv_block(width, pool=True) for _ in range(1, quant_factor)])


class Quantizer(nn.Module):
    """Nearest-code vector quantiser, straight-through gradients, codebook + beta * commitment loss."""

    def __init__(self, n_codes: int, dim: int, beta: float) -> None:
        super().__init__()
        self.beta = beta
        self.codebook = nn.Embedding(n_codes, dim)
        self.codebook.weight.data.uniform_(-1.0 / n_codes, 1.0 / n_codes)

    def indices(self, z: torch.Tensor) -> torch.Tensor:
        """(B, T, D) -> (B, T) nearest code."""
        e = self.codebook.weight
        d = z.pow(2).sum(-1, keepdim=True) + e.pow(2).sum(-1) - 2 * z @ e.t()
        return d.argmin(-1)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        idx = self.indices(z)
        zq = self.codebook(idx)
        loss = F.mse_loss(zq, z.detach()) + self.beta * F.mse_loss(z, zq.detach())
        return z + (zq - z).detach(), loss, idx


class ListenerVQVAE(nn.Module):
    """Window of `cfg.window` listener frames (25-d, standardised) <-> `cfg.window_tokens` codes."""

    def __init__(self, cfg: L2LConfig) -> None:
        super().__init__()
        h, w = cfg.vq_hidden, cfg.window_tokens
        self.norm = Standardised(N_ATTRS)
        self.squasher = downsampler(N_ATTRS, h, cfg.quant_factor)
        self.enc_in = nn.Linear(h, h)
        self.enc_pos = nn.Parameter(torch.zeros(w, h))
        self.encoder = transformer(h, cfg.vq_layers, cfg.vq_heads, cfg.vq_ff)
        self.quantize = Quantizer(cfg.n_codes, h, cfg.beta)
        # decoder: a transposed stride-2 conv (zero padding: torch has no replicate mode for it),
        # then conv + x2 repeat per further level, a transformer and a k5 smoothing conv, whose
        # padding is replicate here (the original's zeros make every window's first and last two
        # frames jump)
        self.expand_first = nn.Sequential(nn.ConvTranspose1d(h, h, 5, stride=2, padding=2, output_padding=1),
                                          nn.LeakyReLU(LEAK), nn.BatchNorm1d(h))
        self.expand = nn.ModuleList([conv_block(h) for _ in range(1, cfg.quant_factor)])
        self.dec_in = nn.Linear(h, h)
        self.dec_pos = nn.Parameter(torch.zeros(cfg.window, h))
        self.decoder = transformer(h, cfg.vq_layers, cfg.vq_heads, cfg.vq_ff)
        self.smooth = nn.Conv1d(h, N_ATTRS, 5, padding=2, padding_mode="replicate")

    def encode(self, y: torch.Tensor) -> torch.Tensor:
        """(B, window, 25) standardised -> (B, window_tokens, D) pre-quantisation latents."""
        h = self.squasher(y.transpose(1, 2)).transpose(1, 2)
        return self.encoder(self.enc_in(h) + self.enc_pos)

    def decode_latents(self, zq: torch.Tensor) -> torch.Tensor:
        """(B, window_tokens, D) -> (B, window, 25) standardised."""
        h = self.expand_first(zq.transpose(1, 2))
        for block in self.expand:
            h = block(h).repeat_interleave(2, dim=2)
        h = self.decoder(self.dec_in(h.transpose(1, 2)) + self.dec_pos)
        return self.smooth(h.transpose(1, 2)).transpose(1, 2)

    def forward(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        zq, vq_loss, idx = self.quantize(self.encode(y))
        return self.decode_latents(zq), vq_loss, idx

    def tokens(self, y: torch.Tensor) -> torch.Tensor:
        return self.quantize.indices(self.encode(y))

    def decode(self, idx: torch.Tensor) -> torch.Tensor:
        return self.decode_latents(self.quantize.codebook(idx))


class CrossModalBlock(nn.Module):
    """The original's cross-modal layer: queries from stream a (audio), keys and values from the
    normed stream b (motion), residual and MLP on b."""

    def __init__(self, width: int, heads: int, ff: int) -> None:
        super().__init__()
        self.norm_b = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.norm_mlp = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, ff), nn.GELU(), nn.Linear(ff, width))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        nb = self.norm_b(b)
        b = b + self.attn(a, nb, nb, need_weights=False)[0]
        return b + self.mlp(self.norm_mlp(b))


class SpeakerEncoder(nn.Module):
    """(B, speaker_frames, C) [video | audio | attributes] -> (B, speaker_frames / 8, hidden)."""

    def __init__(self, widths: tuple[int, int, int], cfg: L2LConfig) -> None:
        super().__init__()
        video, audio, attrs = widths
        d2 = 2 * cfg.hidden
        self.norm = Standardised(video + audio + attrs)
        self.video, self.audio = video, audio
        self.motion_proj = nn.Linear(video + attrs, d2)
        self.audio_proj = nn.Linear(audio, d2)
        self.motion_pos = nn.Parameter(torch.zeros(cfg.speaker_frames, d2))
        self.audio_pos = nn.Parameter(torch.zeros(cfg.speaker_frames, d2))
        self.blocks = nn.ModuleList([CrossModalBlock(d2, cfg.heads, cfg.ff) for _ in range(cfg.speaker_layers)])
        self.compress = downsampler(d2, d2, cfg.quant_factor)
        self.project = nn.Linear(d2, cfg.hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        v, a = self.video, self.video + self.audio
        motion = self.motion_proj(torch.cat([x[..., :v], x[..., a:]], -1)) + self.motion_pos
        audio = self.audio_proj(x[..., v:a]) + self.audio_pos
        for block in self.blocks:
            motion = block(audio, motion)
        h = self.compress(motion.transpose(1, 2)).transpose(1, 2)
        return self.project(h)


class Predictor(nn.Module):
    """Listener past tokens (B, w) (index n_codes = hidden) + encoded speaker window -> logits of
    the next w listener tokens (B, w, n_codes); the rollout uses position 0, the next token."""

    def __init__(self, widths: tuple[int, int, int], cfg: L2LConfig) -> None:
        super().__init__()
        d, w = cfg.hidden, cfg.window_tokens
        self.speaker = SpeakerEncoder(widths, cfg)
        self.token_emb = nn.Embedding(cfg.n_codes + 1, d)
        self.past_pos = nn.Parameter(torch.zeros(w, d))
        self.past = transformer(d, cfg.past_layers, cfg.heads, cfg.ff)
        self.cross_pos = nn.Parameter(torch.zeros(w + cfg.speaker_frames // cfg.token_frames, d))
        self.cross = transformer(d, cfg.cross_layers, cfg.heads, cfg.ff)
        self.out_norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, cfg.n_codes, bias=False)
        self.w = w
        self.apply(_init_weights)

    def forward(self, past: torch.Tensor, speaker: torch.Tensor) -> torch.Tensor:
        """past (B, w) long; speaker: (B, speaker_tokens, hidden) from ``self.speaker``."""
        lp = self.past(self.token_emb(past) + self.past_pos)
        h = self.cross(torch.cat([lp, speaker], 1) + self.cross_pos)
        return self.head(self.out_norm(h[:, :self.w]))


def _init_weights(module: nn.Module) -> None:
    """The original's init: N(0, 0.02) linears and embeddings, zero biases, unit LayerNorms."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        module.weight.data.normal_(0.0, 0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()
    elif isinstance(module, nn.LayerNorm):
        module.bias.data.zero_()
        module.weight.data.fill_(1.0)


class L2LModel(nn.Module):
    def __init__(self, widths: tuple[int, int, int], cfg: L2LConfig) -> None:
        super().__init__()
        self.widths = tuple(int(w) for w in widths)
        self.vq = ListenerVQVAE(cfg)
        self.predictor = Predictor(self.widths, cfg)


def nucleus_sample(logits: torch.Tensor, temperature: float, top_p: float,
                   generators: list[torch.Generator]) -> torch.Tensor:
    """(B, V) logits -> (B,) draws from the smallest top-probability set whose mass reaches top_p
    (the first token past the threshold is kept), at the given temperature. The rows are split
    into ``len(generators)`` equal blocks, block j drawn from generators[j]; the sort and the
    nucleus are computed once for all rows (row-wise, so each row's bytes are as if alone)."""
    sorted_logits, order = torch.sort(logits / temperature, dim=-1, descending=True)
    probs = sorted_logits.softmax(-1)
    drop = probs.cumsum(-1) - probs > top_p
    probs = probs.masked_fill(drop, 0.0)
    block = probs.shape[0] // len(generators)
    if block * len(generators) != probs.shape[0]:
        raise ValueError(f"nucleus_sample: {probs.shape[0]} rows do not split into {len(generators)} equal blocks")
    pick = torch.cat([torch.multinomial(probs[j * block:(j + 1) * block], 1, generator=generator)
                      for j, generator in enumerate(generators)])
    return order.gather(-1, pick).squeeze(-1)


def crossfade_weights(window: int, kind: str, device: torch.device) -> torch.Tensor:
    """(window,) weights of one decoded window when overlapping windows are averaged."""
    if kind == "uniform":
        return torch.ones(window, device=device)
    i = torch.arange(window, device=device, dtype=torch.float32)
    return torch.minimum(i + 1, window - i)


def pad_speaker(x: torch.Tensor, cfg: L2LConfig) -> torch.Tensor:
    """(S, F, C) -> (S, speaker_frames - token_frames + n_tokens * token_frames, C): the first frame
    repeated before the clip, the last after it, so that window t (stride token_frames) is the
    speaker context of token t, frames [8t - 32, 8t + 8)."""
    tf = cfg.token_frames
    tail = -x.shape[1] % tf
    return torch.cat([x[:, :1].expand(-1, cfg.speaker_frames - tf, -1), x, x[:, -1:].expand(-1, tail, -1)], 1)


@torch.no_grad()
def rollout(model: L2LModel, speaker: torch.Tensor, generators: list[torch.Generator], cfg: L2LConfig,
            n_frames: int) -> torch.Tensor:
    """Autoregressive generation for a batch of directions.

    speaker: (b, n_frames, C) raw speaker inputs; generators: one per sample (rows j*b..(j+1)*b
    draw from generators[j]). Token t covers frames [8t, 8t+8); it is drawn from the predictor
    given speaker frames [8t-32, 8t+8) and the 4 tokens before it (fewer, masked, for t < 4). The
    sampled tokens are decoded as overlapping 4-token windows at a stride of one token and
    cross-faded. Returns (n * b, n_frames, 25) listener attributes."""
    tf, w, fs = cfg.token_frames, cfg.window_tokens, cfg.speaker_frames
    n, b = len(generators), speaker.shape[0]
    n_tokens = -(-n_frames // tf)
    windows = to_windows(pad_speaker(speaker, cfg), fs, tf)              # (b, n_tokens, fs, C)
    feats = model.predictor.speaker(windows.reshape(b * n_tokens, fs, -1))
    feats = feats.reshape(b, n_tokens, *feats.shape[1:]).repeat(n, 1, 1, 1)
    pad = cfg.n_codes
    tokens = torch.full((n * b, n_tokens + w), pad, dtype=torch.long, device=speaker.device)   # w pads first
    decoded = []                                                         # chunk k = tokens k..k+w-1
    for t in range(n_tokens):
        past = tokens[:, t:t + w]
        if t >= w:
            frames = model.vq.decode(past)
            decoded.append(frames)
            if cfg.reencode_past:
                past = model.vq.tokens(frames)
        logits = model.predictor(past, feats[:, t])[:, 0]
        tokens[:, t + w] = nucleus_sample(logits, cfg.temperature, cfg.top_p, generators)
    decoded.append(model.vq.decode(tokens[:, n_tokens:]))
    chunks = torch.stack(decoded, 1)                                     # (n b, n_tokens - w + 1, window, 25)
    weights = crossfade_weights(cfg.window, cfg.crossfade, speaker.device)[:, None]
    total = n_tokens * tf
    out = overlap_average(chunks * weights, total, tf) / overlap_average(weights.expand(1, *chunks.shape[1:]),
                                                                          total, tf)
    return model.vq.norm.inverse(out[:, :n_frames])

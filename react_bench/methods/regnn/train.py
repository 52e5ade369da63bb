"""AFRDL training and sampling-based inference for REGNN (regnn_official.md §3-4).

All data stay resident on the device as tensors; one training item is (speaker direction, window);
the appropriate reactions of a speaker are drawn from a padded neighbour table with torch random ops.
Every epoch writes ``checkpoint.pt`` (model, optimizer, RNG states, tau, epoch, history) atomically
into the run directory, so ``resume=True`` continues after a kill and ends bit-identical on CPU.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ...data.split import SplitData
from ...errors import DataError, ReactBenchError
from .config import REGNNConfig
from .losses import mid_loss, min_mse_loss
from .model import REGNNModel, sample_noise
from ..windows import gather_windows, overlap_average, to_windows
from ..training import CHECKPOINT, EpochCallback, ResumeError, Schedule, clip_seed, train_loop  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- data on the device
@dataclass
class NeighbourTable:
    """Padded lists of the appropriate listener directions of every speaker direction."""

    index: torch.Tensor      # (S, K_max) long, valid where column < degree
    degree: torch.Tensor     # (S,) long

    @classmethod
    def from_matrix(cls, appropriate: np.ndarray | None, n: int, zero_neighbour: str,
                    device: torch.device) -> "NeighbourTable":
        if appropriate is None:
            warnings.warn("split has no appropriateness matrix: every speaker uses its own listener only",
                          stacklevel=3)
            m = torch.eye(n, dtype=torch.bool)
        else:
            if appropriate.shape != (n, n):
                raise DataError(f"appropriateness matrix has shape {appropriate.shape}, expected {(n, n)}")
            m = torch.from_numpy(np.asarray(appropriate) != 0)
        if zero_neighbour == "own_listener":
            empty = ~m.any(dim=1)
            m = m | torch.diag(empty)          # a speaker without neighbours uses its real listener
        degree = m.sum(dim=1)
        k_max = max(int(degree.max()), 1)
        order = torch.argsort((~m).to(torch.int8), dim=1, stable=True)[:, :k_max]
        return cls(order.to(device), degree.to(device))

    def sample(self, speakers: torch.Tensor, m: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """A uniform random subset of at most ``m`` neighbours per speaker: (B, m') ids and validity."""
        k_max = self.index.shape[1]
        deg = self.degree[speakers]
        keys = torch.rand(speakers.shape[0], k_max, generator=generator, device=speakers.device)
        cols = torch.arange(k_max, device=speakers.device)
        keys = keys.masked_fill(cols[None, :] >= deg[:, None], 2.0)   # invalid entries sort last
        take = min(m, k_max)
        chosen = keys.topk(take, dim=1, largest=False).indices
        ids = torch.gather(self.index[speakers], 1, chosen)
        valid = cols[None, :take] < deg.clamp(max=take)[:, None]
        return ids, valid


@dataclass
class DeviceData:
    video: torch.Tensor      # (S, F, Dv)
    audio: torch.Tensor      # (S, F, Da)
    listener: torch.Tensor   # (S, F, 25)
    item_speaker: torch.Tensor  # (I,) direction of each training item
    item_start: torch.Tensor    # (I,) window start frame
    table: NeighbourTable

    @classmethod
    def from_split(cls, split: SplitData, cfg: REGNNConfig, device: torch.device) -> "DeviceData":
        check_split(split, cfg, need_listener=True)
        s = split.n_directions
        table = NeighbourTable.from_matrix(split.appropriate, s, cfg.zero_neighbour, device)
        speakers = torch.arange(s, device=device)
        if cfg.objective == "afrdl" and cfg.zero_neighbour == "skip":
            skipped = int((table.degree == 0).sum())
            if skipped:
                log.warning("REGNN: skipping %d speaker direction(s) without appropriate reactions", skipped)
            speakers = speakers[table.degree > 0]
        if speakers.numel() == 0:
            raise DataError("no speaker direction has an appropriate reaction to train on")
        starts = torch.arange(cfg.n_windows, device=device) * cfg.stride
        item_speaker = speakers.repeat_interleave(cfg.n_windows)
        item_start = starts.repeat(speakers.numel())
        return cls(_tensor(split.video, device), _tensor(split.audio, device), _tensor(split.listener, device),
                   item_speaker, item_start, table)


def _tensor(a: np.ndarray, device: torch.device) -> torch.Tensor:
    """A float32 copy on ``device`` (split arrays may be read-only memory maps)."""
    return torch.tensor(np.asarray(a, dtype=np.float32), device=device)


def check_split(split: SplitData, cfg: REGNNConfig, need_listener: bool) -> None:
    s = split.n_directions
    f = cfg.n_frames
    problems = []
    if split.video.shape[:2] != (s, f) or split.video.ndim != 3:
        problems.append(f"video {split.video.shape}, expected ({s}, {f}, Dv)")
    if split.audio.shape[:2] != (s, f) or split.audio.ndim != 3:
        problems.append(f"audio {split.audio.shape}, expected ({s}, {f}, Da)")
    if cfg.video_dim is not None and split.video.shape[-1] != cfg.video_dim:
        problems.append(f"video width {split.video.shape[-1]} != trained width {cfg.video_dim}")
    if cfg.audio_dim is not None and split.audio.shape[-1] != cfg.audio_dim:
        problems.append(f"audio width {split.audio.shape[-1]} != trained width {cfg.audio_dim}")
    if need_listener and split.listener.shape != (s, f, cfg.n_attrs):
        problems.append(f"listener {split.listener.shape}, expected ({s}, {f}, {cfg.n_attrs})")
    if problems:
        raise DataError(f"split {split.name!r} does not fit REGNN: " + "; ".join(problems))


# ----------------------------------------------------------------------------- one step
def training_step(model: REGNNModel, data: DeviceData, items: torch.Tensor, cfg: REGNNConfig,
                  tau: float | None, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Loss, L_min and L_mid of one batch of training items (indices into data.item_*)."""
    spk = data.item_speaker[items]
    start = data.item_start[items]
    z_pred, edges = model.encode(gather_windows(data.video, spk, start, cfg.window),
                                 gather_windows(data.audio, spk, start, cfg.window))
    if cfg.objective == "mse_listener":      # no_graph ablation: MSE to the one real listener
        target = gather_windows(data.listener, spk, start, cfg.window).transpose(1, 2)
        loss = ((z_pred - target) ** 2).mean()
        return loss, loss.detach(), torch.zeros((), device=loss.device)
    ids, valid = data.table.sample(spk, cfg.max_reactions, generator)
    owner, slot = valid.nonzero(as_tuple=True)
    reactions = gather_windows(data.listener, ids[owner, slot], start[owner], cfg.window).transpose(1, 2)
    if cfg.objective == "afrdl_no_inverse":  # official --no-inverse: Mot(Z) against the raw reactions
        # (the official L_mid then pulls the raw reactions to their mean: a constant without gradient)
        l_min = min_mse_loss(model.to_latent(z_pred, edges), reactions, owner, slot, ids.shape[1], tau)
        return l_min, l_min.detach(), torch.zeros((), device=l_min.device)
    latents = model.to_latent(reactions, edges[owner])
    l_min = min_mse_loss(z_pred, latents, owner, slot, ids.shape[1], tau)
    l_mid = mid_loss(latents, owner, z_pred.shape[0]) if cfg.mid_loss else torch.zeros((), device=l_min.device)
    return l_min + l_mid, l_min.detach(), l_mid.detach()


def schedule_of(cfg: REGNNConfig) -> Schedule:
    return Schedule(cfg.epochs, cfg.steps_per_epoch, cfg.batch_size, cfg.lr, cfg.weight_decay,
                    tuple(cfg.lr_milestones), cfg.lr_gamma)


def lr_at(cfg: REGNNConfig, epoch: int) -> float:
    return schedule_of(cfg).lr_at(epoch)


def train_model(model: REGNNModel, cfg: REGNNConfig, split: SplitData, *, seed: int, device: torch.device,
                run_dir: Path, resume: bool = False, on_epoch_end: EpochCallback | None = None,
                progress: Callable[..., None] | None = None) -> list[dict[str, Any]]:
    """Train ``model`` in place on the shared training core (react_bench.methods.training);
    returns the per-epoch history (also written to ``losses.json``).

    The method's part: the AFRDL step and τ, which after each epoch becomes the epoch's average
    L_min / 3 (official; None during epoch 0, so no hinge then)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(cfg.to_json())
    data = DeviceData.from_split(split, cfg, device)

    def step(items: torch.Tensor, state: dict[str, Any], generator: torch.Generator):
        loss, l_min, l_mid = training_step(model, data, items, cfg, state["tau"], generator)
        return loss, {"l_min": l_min, "l_mid": l_mid}

    def update_tau(epoch: int, means: dict[str, float], state: dict[str, Any]) -> None:
        state["tau"] = means["l_min"] / cfg.tau_divisor

    return train_loop(model, schedule_of(cfg), data.item_speaker.numel(), step, seed=seed, device=device,
                      run_dir=run_dir, architecture=cfg.architecture_dict(), loss_keys=("loss", "l_min", "l_mid"),
                      name="REGNN", resume=resume, state={"tau": None}, epoch_end=update_tau,
                      on_epoch_end=on_epoch_end, progress=progress,
                      graphable=False)             # the step reads the GPU (nonzero): no CUDA graphs


# ----------------------------------------------------------------------------- inference
def _decoder(model: REGNNModel, cfg: REGNNConfig):
    """Latents -> reaction graphs: Mot^-1, except the official no-inverse form, which decodes Mot(Z + e)."""
    return model.to_latent if cfg.objective == "afrdl_no_inverse" else model.from_latent


def _encoder(model: REGNNModel, cfg: REGNNConfig):
    """Reaction graphs -> latents, the inverse of _decoder."""
    return model.from_latent if cfg.objective == "afrdl_no_inverse" else model.to_latent


def timeline_noise(n: int, cfg: REGNNConfig, generator: torch.Generator) -> torch.Tensor:
    """Clip-coherent noise (n, W, 25, T): one draw per sample on the clip's frame timeline, cut into
    the same overlapping windows as the data, so that the shared half of two neighbouring windows
    carries the same noise (no seams at frames 25k, and overlap-averaging does not halve it).
    AR(1)-smoothed with time constant ``noise_tau`` frames and rescaled to unit variance, then
    scaled by sigma (gaussian) or bounded like the official sampler (max_normalised)."""
    eps = torch.randn((n, cfg.n_attrs, cfg.n_frames), generator=generator, dtype=torch.float32)
    if cfg.noise_tau > 0:
        rho = math.exp(-1.0 / cfg.noise_tau)
        gain = math.sqrt(1.0 - rho * rho)
        smooth = torch.empty_like(eps)
        smooth[..., 0] = eps[..., 0]
        for f in range(1, cfg.n_frames):
            smooth[..., f] = rho * smooth[..., f - 1] + gain * eps[..., f]
        eps = smooth
    if cfg.noise_mode == "gaussian":
        eps = eps * cfg.sigma
    else:
        bound = math.sqrt(cfg.sigma)
        peak = eps.abs().amax(dim=(1, 2), keepdim=True)
        eps = torch.where(peak > bound, eps * (bound / peak.clamp_min(1e-30)), eps)
    return eps.unfold(2, cfg.window, cfg.stride).permute(0, 2, 1, 3).contiguous()    # (n, W, 25, T)


@torch.no_grad()
def residual_bank(model: REGNNModel, cfg: REGNNConfig, split: SplitData, device: torch.device) -> torch.Tensor:
    """The GMGD modes' offsets (B, W, 25, T): latent of each window of a real train listener minus
    the predicted Z of its speaker's window, for up to ``gmgd_bank`` evenly spaced train clips.
    No randomness, and the model's weights are untouched (the official sampler's output is unchanged)."""
    model.eval()
    s, w, t = split.n_directions, cfg.n_windows, cfg.window
    rows = np.unique(np.linspace(0, s - 1, min(cfg.gmgd_bank, s)).round().astype(np.int64))
    encode = _encoder(model, cfg)
    out = []
    for c0 in range(0, rows.size, cfg.infer_batch_clips):
        idx = rows[c0:c0 + cfg.infer_batch_clips]
        c = idx.size
        video = to_windows(_tensor(split.video[idx], device), t, cfg.stride).reshape(c * w, t, -1)
        audio = to_windows(_tensor(split.audio[idx], device), t, cfg.stride).reshape(c * w, t, -1)
        z_pred, edges = model.encode(video, audio)
        reactions = to_windows(_tensor(split.listener[idx][:, :cfg.n_frames], device), t, cfg.stride)
        latents = encode(reactions.reshape(c * w, t, cfg.n_attrs).transpose(1, 2), edges)
        out.append((latents - z_pred).view(c, w, cfg.n_attrs, t).float().cpu())
    return torch.cat(out)


@torch.no_grad()
def generate(model: REGNNModel, cfg: REGNNConfig, split: SplitData, *, n_samples: int, seed: int,
             device: torch.device, residuals: torch.Tensor | None = None) -> np.ndarray:
    """(S, n_samples, n_frames, 25) float32: sampled latents around Z, decoded by Mot^-1 per window,
    overlap-averaged. The encoder and the edges run once per clip; the noise of clip k comes from
    its own generator seeded by ``clip_seed(seed, k)``.

    ``cfg.sampling``: official (windows independent, MHP.sample), paper (clip-coherent Gaussian) or
    gmgd (Z + the residual of one random train clip of ``residuals`` for all windows, plus
    clip-coherent Gaussian noise); docs/regnn.md."""
    check_split(split, cfg, need_listener=False)
    if cfg.sampling == "gmgd" and residuals is None:
        raise ReactBenchError("sampling='gmgd' needs the model's residual bank (made by fit(); this model "
                              "has none: train it again)")
    model.eval()
    s, w, t, n = split.n_directions, cfg.n_windows, cfg.window, n_samples
    out = np.empty((s, n, cfg.n_frames, cfg.n_attrs), dtype=np.float32)
    gen = torch.Generator()
    decode = _decoder(model, cfg)
    for c0 in range(0, s, cfg.infer_batch_clips):
        c1 = min(c0 + cfg.infer_batch_clips, s)
        c = c1 - c0
        video = to_windows(_tensor(split.video[c0:c1], device), t, cfg.stride).reshape(c * w, t, -1)
        audio = to_windows(_tensor(split.audio[c0:c1], device), t, cfg.stride).reshape(c * w, t, -1)
        z_pred, edges = model.encode(video, audio)                        # once per clip
        noise = []
        for k in range(c0, c1):
            gen.manual_seed(clip_seed(seed, k))
            if cfg.sampling == "official":
                noise.append(sample_noise((n, w, cfg.n_attrs, t), cfg.noise_mode, cfg.sigma, gen))
                continue
            clip = timeline_noise(n, cfg, gen)
            if cfg.sampling == "gmgd":
                modes = torch.randint(0, residuals.shape[0], (n,), generator=gen)
                clip = clip + residuals[modes]
            noise.append(clip)
        # Order (clip, window, sample): the n samples of a window are consecutive and share its edges.
        noise = torch.stack(noise).to(device).transpose(1, 2)                  # (C, W, n, 25, T)
        latents = z_pred.view(c, w, 1, cfg.n_attrs, t) + noise
        graphs = decode(latents.reshape(-1, cfg.n_attrs, t), edges)
        frames = graphs.view(c, w, n, cfg.n_attrs, t).permute(0, 2, 1, 4, 3)  # (C, n, W, T, 25)
        out[c0:c1] = overlap_average(frames, cfg.n_frames, cfg.stride).cpu().numpy()
    return out

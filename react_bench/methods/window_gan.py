"""What the window GANs (Huang_S, DyadGAN) share: training items = every (clip, window) of the
train split, one GAN step per core step on the shared training core (the core's Adam trains G; D
has its own Adam, checkpointed as an extra), and sampling one code per (clip, sample) for all
windows of the clip, seeded per clip, reassembled by overlap-averaging."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from ..constants import N_ATTRS, N_FRAMES
from ..data.split import SplitData
from ..errors import ReactBenchError
from .device import resolve_device, torch_threads
from .inputs import InputSpec, Standardised, listener_targets, speaker_inputs
from .persistence import CONFIG, load_weights, read_saved_model, save_model, saved_config_errors
from .training import Schedule, clip_seed, compiled, fit_setup, train_loop
from .window_gan_config import WindowGANConfig
from .windows import gather_windows, overlap_average, to_windows

INFER_WINDOWS = 2048          # generator windows per inference batch (memory bound only)

Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]     # speaker x, listener y, clip labels


@dataclass
class TrainWindows:
    x: torch.Tensor               # (S, 750, C) speaker inputs
    y: torch.Tensor               # (S, 750, 25) the own listener
    labels: torch.Tensor | None   # (S,) a per-clip label (Huang_S: listener identity class)
    clip: torch.Tensor            # (N,) item -> clip
    start: torch.Tensor           # (N,) item -> window start frame
    window: int

    @classmethod
    def build(cls, x: torch.Tensor, y: torch.Tensor, labels: torch.Tensor | None, cfg: WindowGANConfig) -> "TrainWindows":
        starts = torch.arange(cfg.n_windows, device=x.device) * cfg.stride
        return cls(x, y, labels, torch.arange(x.shape[0], device=x.device).repeat_interleave(cfg.n_windows),
                   starts.repeat(x.shape[0]), cfg.window)

    @property
    def n_items(self) -> int:
        return int(self.clip.numel())

    def batch(self, items: torch.Tensor) -> Batch:
        if items.numel() == 1:        # BatchNorm needs two rows: a lone last item of a pass is doubled
            items = items.repeat(2)
        rows, starts = self.clip[items], self.start[items]
        return (gather_windows(self.x, rows, starts, self.window), gather_windows(self.y, rows, starts, self.window),
                None if self.labels is None else self.labels[rows])


def bce(logits: torch.Tensor, real: bool) -> torch.Tensor:
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return nn.functional.binary_cross_entropy_with_logits(logits, target)


def update_discriminator(d: nn.Module, d_opt: torch.optim.Optimizer, loss_fn: Callable[[], torch.Tensor]) -> None:
    """One D step on ``loss_fn()``; D's parameters are frozen again afterwards, so the G loss that the
    core back-propagates leaves no gradients on them."""
    d.requires_grad_(True)
    d_opt.zero_grad(set_to_none=True)
    loss_fn().backward()
    d_opt.step()
    d.requires_grad_(False)


class WindowGANMethod:
    """fit / predict / save / load of a GAN whose generator maps a window of speaker inputs (B, W, C)
    and a code (B, dz) to the listener's window (B, W, 25). Subclasses supply the networks, the
    code distribution and the GAN step."""

    NAME = "window GAN"
    CONFIG_CLASS: type[WindowGANConfig] = WindowGANConfig
    LOSS_KEYS: tuple[str, ...] = ("loss", "d_loss")

    def __init__(self, profile: str = "small", **overrides: Any) -> None:
        self.config = self.make_config(profile, **overrides)
        self.name = self.NAME
        self.model: Standardised | None = None          # the generator
        self.device = torch.device("cpu")

    # ----------------------------------------------------------------- subclass hooks
    def make_config(self, profile: str, **overrides: Any) -> WindowGANConfig:
        raise NotImplementedError

    def input_spec(self) -> InputSpec:
        return InputSpec(video=self.config.use_features, audio=self.config.use_features, attributes=True)

    def select(self, x: torch.Tensor) -> torch.Tensor:
        """The generator's input channels out of ``speaker_inputs`` (default: all)."""
        return x

    def clip_labels(self, split: SplitData) -> torch.Tensor | None:
        return None

    def build_generator(self, width: int) -> Standardised:
        raise NotImplementedError

    def build_discriminator(self, width: int) -> nn.Module:
        raise NotImplementedError

    def draw_codes(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """(n, dz) inference codes on the CPU."""
        raise NotImplementedError

    def gan_step(self, g: Standardised, d: nn.Module, d_opt: torch.optim.Optimizer | None, batch: Batch,
                 generator: torch.Generator) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Update D with ``d_opt`` (None: not this step), return G's loss and the LOSS_KEYS terms."""
        raise NotImplementedError

    # ----------------------------------------------------------------- the common part
    def fit(self, train: SplitData, val: SplitData | None = None, *, seed: int = 0, device: str = "cpu",
            run_dir: Path | str | None = None, resume: bool | None = None,
            progress: Callable[..., None] | None = None,
            on_epoch_end: Callable[[int, dict], None] | None = None) -> None:
        cfg = self.config
        run_dir, self.device, resume = fit_setup(self.name, cfg, seed, device, run_dir, resume)
        with torch_threads(cfg.num_threads):
            x = self.select(speaker_inputs(train, self.input_spec(), self.device))
            labels = self.clip_labels(train)
            data = TrainWindows.build(x, listener_targets(train, self.device),
                                      None if labels is None else labels.to(self.device), cfg)
            width = x.shape[-1]
            torch.manual_seed(seed)
            g = self.build_generator(width).to(self.device)
            g.fit_stats(x)
            d = self.build_discriminator(width).to(self.device).requires_grad_(False)
            self.model = g
            run_dir.mkdir(parents=True, exist_ok=True)
            (run_dir / CONFIG).write_text(json.dumps(cfg.to_dict(), indent=1))
            betas = (cfg.beta1, 0.999)
            d_opt = torch.optim.Adam(d.parameters(), lr=cfg.lr, betas=betas, weight_decay=cfg.weight_decay)
            schedule = Schedule(cfg.epochs, cfg.steps_per_epoch, cfg.batch_size, cfg.lr, cfg.weight_decay,
                                cfg.lr_milestones, cfg.lr_gamma)

            g_step, d_step = compiled(g), compiled(d)          # the networks themselves unless compiling

            turn = {"update_d": True}

            def before_step(state: dict) -> bool:
                # D's turn comes from Python state, so it is decided here, outside the step: a step
                # replayed from a CUDA graph runs no Python (training.train_loop, step_graphs)
                turn["update_d"] = state["g_steps"] % cfg.g_steps_per_d == 0
                state["g_steps"] += 1
                return turn["update_d"]

            def step(items: torch.Tensor, state: dict, generator: torch.Generator):
                return self.gan_step(g_step, d_step, d_opt if turn["update_d"] else None, data.batch(items), generator)

            def epoch_end(epoch: int, means: dict, state: dict) -> None:
                for group in d_opt.param_groups:          # D follows G's step schedule
                    group["lr"] = schedule.lr_at(epoch + 1)

            train_loop(nn.ModuleDict({"generator": g, "discriminator": d}), schedule, data.n_items, step,
                       seed=seed, device=self.device, run_dir=run_dir,
                       architecture={**cfg.architecture_dict(), "input_width": width}, loss_keys=self.LOSS_KEYS,
                       name=self.name, resume=resume, state={"g_steps": 0},
                       epoch_end=epoch_end, on_epoch_end=on_epoch_end, progress=progress,
                       parameters=[{"params": list(g.parameters()), "betas": betas}],
                       extras={"d_optimizer": d_opt}, before_step=before_step)
        self.save(run_dir / "model")

    @torch.no_grad()
    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        """Sample j of clip k: one code from the generator seeded clip_seed(seed, k), shared by all
        of the clip's windows; windows overlap-averaged to 750 frames."""
        if self.model is None:
            raise ReactBenchError(f"{self.name}.predict called before fit() or load()")
        g = self.model.eval()
        cfg = self.config
        s, n, w, t = split.n_directions, n_samples, cfg.n_windows, cfg.window
        out = np.empty((s, n, N_FRAMES, N_ATTRS), np.float32)
        gen = torch.Generator()
        per_batch = max(1, INFER_WINDOWS // (w * n))
        with torch_threads(cfg.num_threads):
            for c0 in range(0, s, per_batch):
                c1 = min(c0 + per_batch, s)
                c = c1 - c0
                x = to_windows(self.select(speaker_inputs(split, self.input_spec(), self.device, slice(c0, c1))),
                               t, cfg.stride)                                          # (c, W, T, C)
                codes = []
                for k in range(c0, c1):
                    gen.manual_seed(clip_seed(seed, k))
                    codes.append(self.draw_codes(n, gen))
                codes = torch.stack(codes).to(self.device)                            # (c, n, dz)
                xs = x[:, None].expand(c, n, *x.shape[1:]).reshape(c * n * w, t, x.shape[-1])
                zs = codes[:, :, None].expand(c, n, w, codes.shape[-1]).reshape(c * n * w, -1)
                frames = g(xs, zs).view(c, n, w, t, N_ATTRS)
                out[c0:c1] = overlap_average(frames, N_FRAMES, cfg.stride).cpu().numpy()
        return out

    def save(self, path: Path | str) -> None:
        """The generator only (D is needed for training, which resumes from the checkpoint)."""
        if self.model is None:
            raise ReactBenchError(f"nothing to save: {self.name} has no trained model")
        save_model(path, self.model, {**self.config.to_dict(), "input_width": self.model.mean.numel()})

    def load(self, path: Path | str, device: str | None = None) -> None:
        folder, saved = read_saved_model(path, self.name)
        with saved_config_errors(folder, self.name):
            width = int(saved.pop("input_width"))
            self.config = self.CONFIG_CLASS.from_dict(saved)
            self.device = resolve_device(device or "cpu")
            self.model = load_weights(self.build_generator(width), folder).to(self.device).eval()

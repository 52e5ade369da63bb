"""UNet: a 1-D temporal U-Net from the speaker's frame-aligned inputs to the 750 x 25 listener
sequence, trained with L1 (or L2) against the own listener on the shared training core. It is
deterministic: its 10 samples are identical and FRDiv is 0, as in the REGNN paper's Table 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from react_bench.constants import N_ATTRS, N_FRAMES
from react_bench.data.split import SplitData
from react_bench.errors import ReactBenchError
from react_bench.methods.device import resolve_device, torch_threads
from react_bench.methods.inputs import InputSpec, Standardised, listener_targets, speaker_inputs
from react_bench.methods.persistence import CONFIG, load_weights, read_saved_model, save_model, saved_config_errors
from react_bench.methods.training import Schedule, compiled, fit_setup, train_loop

from .config import UNetConfig, make_config


class _Block(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int, dropout: float) -> None:
        super().__init__()
        pad = kernel // 2
        self.net = nn.Sequential(nn.Conv1d(c_in, c_out, kernel, padding=pad), nn.GroupNorm(1, c_out), nn.GELU(),
                                 nn.Dropout(dropout), nn.Conv1d(c_out, c_out, kernel, padding=pad),
                                 nn.GroupNorm(1, c_out), nn.GELU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class UNet1d(Standardised):
    """Encoder: `depth` blocks, each followed by x2 max-pooling; decoder: x2 upsampling, a skip
    concatenation and a block per level; a 1x1 convolution to the 25 attributes."""

    def __init__(self, c_in: int, cfg: UNetConfig) -> None:
        super().__init__(c_in)
        widths = [cfg.base_channels * 2 ** i for i in range(cfg.depth + 1)]
        self.down = nn.ModuleList()
        c = c_in
        for w in widths[:-1]:
            self.down.append(_Block(c, w, cfg.kernel, cfg.dropout))
            c = w
        self.bottom = _Block(c, widths[-1], cfg.kernel, cfg.dropout)
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        c = widths[-1]
        for w in reversed(widths[:-1]):
            self.up.append(nn.ConvTranspose1d(c, w, 2, stride=2))
            self.merge.append(_Block(2 * w, w, cfg.kernel, cfg.dropout))
            c = w
        self.head = nn.Conv1d(c, N_ATTRS, 1)
        self.multiple = 2 ** cfg.depth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, F, C) speaker inputs -> (B, F, 25)."""
        frames = x.shape[1]
        x = self.normalise(x).transpose(1, 2)
        pad = (-frames) % self.multiple
        x = nn.functional.pad(x, (0, pad), mode="replicate")
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = nn.functional.max_pool1d(x, 2)
        x = self.bottom(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips)):
            x = merge(torch.cat([up(x), skip], dim=1))
        return self.head(x)[:, :, :frames].transpose(1, 2)


class UNetMethod:
    def __init__(self, profile: str = "small", **overrides: Any) -> None:
        self.config: UNetConfig = make_config(profile, **overrides)
        self.name = "UNet"
        self.inputs = InputSpec(attributes=self.config.use_attributes)
        self.model: UNet1d | None = None
        self.device = torch.device("cpu")

    def fit(self, train: SplitData, val: SplitData | None = None, *, seed: int = 0, device: str = "cpu",
            run_dir: Path | str | None = None, resume: bool | None = None,
            progress: Callable[..., None] | None = None,
            on_epoch_end: Callable[[int, dict], None] | None = None) -> None:
        cfg = self.config
        run_dir, self.device, resume = fit_setup("UNet", cfg, seed, device, run_dir, resume)
        with torch_threads(cfg.num_threads):
            x = speaker_inputs(train, self.inputs, self.device)
            y = listener_targets(train, self.device)
            torch.manual_seed(seed)
            self.model = UNet1d(x.shape[-1], cfg).to(self.device)
            self.model.fit_stats(x)
            run_dir.mkdir(parents=True, exist_ok=True)
            (run_dir / CONFIG).write_text(json.dumps(cfg.to_dict(), indent=1))
            loss_fn = nn.functional.l1_loss if cfg.loss == "l1" else nn.functional.mse_loss

            net = compiled(self.model)

            def step(items: torch.Tensor, state: dict, generator: torch.Generator):
                return loss_fn(net(x[items]), y[items]), {}

            schedule = Schedule(cfg.epochs, cfg.steps_per_epoch, cfg.batch_size, cfg.lr, cfg.weight_decay,
                                cfg.lr_milestones, cfg.lr_gamma)
            train_loop(self.model, schedule, x.shape[0], step, seed=seed, device=self.device, run_dir=run_dir,
                       architecture={**cfg.architecture_dict(), "input_width": x.shape[-1]}, loss_keys=("loss",),
                       name="UNet", resume=resume, progress=progress,
                       on_epoch_end=on_epoch_end)
        self.save(run_dir / "model")

    @torch.no_grad()
    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        if self.model is None:
            raise ReactBenchError("UNet.predict called before fit() or load()")
        self.model.eval()
        out = np.empty((split.n_directions, N_FRAMES, N_ATTRS), np.float32)
        with torch_threads(self.config.num_threads):
            for c0 in range(0, split.n_directions, 32):
                rows = slice(c0, min(c0 + 32, split.n_directions))
                out[rows] = self.model(speaker_inputs(split, self.inputs, self.device, rows)).cpu().numpy()
        return np.repeat(out[:, None], n_samples, axis=1)      # deterministic: identical samples

    def save(self, path: Path | str) -> None:
        if self.model is None:
            raise ReactBenchError("nothing to save: UNet has no trained model")
        save_model(path, self.model, {**self.config.to_dict(), "input_width": self.model.mean.numel()})

    def load(self, path: Path | str, device: str | None = None) -> None:
        folder, saved = read_saved_model(path, "UNet")
        with saved_config_errors(folder, "UNet"):
            width = int(saved.pop("input_width"))
            self.config = UNetConfig.from_dict(saved)
            self.inputs = InputSpec(attributes=self.config.use_attributes)
            self.device = resolve_device(device or "cpu")
            self.model = load_weights(UNet1d(width, self.config), folder).to(self.device).eval()

"""Trans-VAE, the REACT 2023/2024 challenge baseline, offline (``TransVAE``) and online
(``TransVAE_online``), on the shared training core: MSE to the own listener + kl_weight x KL of z to
N(0, I), the original's objective without its 3DMM terms. Ten samples come from z: one draw per
(clip, sample) offline, one per (clip, sample, window) online, seeded per clip, so a clip's
predictions do not depend on how clips are batched. The online model runs through the harness's
online driver (react_bench.methods.online), window by window."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch.nn import functional as F

from react_bench.constants import N_ATTRS, N_FRAMES
from react_bench.data.split import SplitData
from react_bench.errors import DataError, ReactBenchError
from react_bench.methods.device import resolve_device, torch_threads
from react_bench.methods.inputs import InputSpec, listener_targets, speaker_inputs
from react_bench.methods.persistence import CONFIG, load_weights, read_saved_model, save_model, saved_config_errors
from react_bench.methods.online import predict_online
from react_bench.methods.training import Schedule, clip_seed, compiled, fit_setup, train_loop
from react_bench.methods.windows import gather_windows

from .config import TransVAEConfig, make_config
from .model import TransVAE, TransVAEOnline, n_windows, sample_z, without_mha_fastpath

DECODE_ROWS = 32              # offline: (clip, sample) rows decoded at once (750 x 750 attention each)


def clip_noise(seeds: list[int], n: int, dim: int, device: torch.device) -> torch.Tensor:
    """(len(seeds), n, dim) standard normal noise, one CPU generator seed per clip (device-independent)."""
    gen = torch.Generator()
    draws = []
    for s in seeds:
        gen.manual_seed(s)
        draws.append(torch.randn(n, dim, generator=gen))
    return torch.stack(draws).to(device)


class TransVAEMethod:
    """Offline Trans-VAE: the whole speaker clip -> z -> the whole 750-frame reaction."""

    online_track = False

    def __init__(self, profile: str = "small", **overrides: Any) -> None:
        self.config: TransVAEConfig = make_config(profile, self.online_track, **overrides)
        self.name = self.config.name
        self.inputs = InputSpec(attributes=self.config.use_attributes)
        self.model: TransVAE | TransVAEOnline | None = None
        self.device = torch.device("cpu")

    def _network(self, widths: tuple[int, ...]) -> TransVAE | TransVAEOnline:
        return (TransVAEOnline if self.config.online else TransVAE)(widths, self.config)

    def _widths(self, split: SplitData) -> tuple[int, ...]:
        widths = (split.video.shape[-1], split.audio.shape[-1])
        return widths + ((split.speaker.shape[-1],) if self.inputs.attributes else ())

    def fit(self, train: SplitData, val: SplitData | None = None, *, seed: int = 0, device: str = "cpu",
            run_dir: Path | str | None = None, resume: bool | None = None,
            progress: Callable[..., None] | None = None,
            on_epoch_end: Callable[[int, dict], None] | None = None) -> None:
        cfg = self.config
        run_dir, self.device, resume = fit_setup(self.name, cfg, seed, device, run_dir, resume)
        with torch_threads(cfg.num_threads):
            x = speaker_inputs(train, self.inputs, self.device)
            y = listener_targets(train, self.device)
            widths = self._widths(train)
            torch.manual_seed(seed)
            self.model = self._network(widths).to(self.device)
            self.model.speaker.fit_stats(x)
            run_dir.mkdir(parents=True, exist_ok=True)
            (run_dir / CONFIG).write_text(json.dumps(cfg.to_dict(), indent=1))
            frames, dim = cfg.train_frames, cfg.feature_dim
            # compiling (opt-in): the offline network whole; the online one window step at a time
            window_step = compiled(self.model.step) if cfg.online else None
            net = self.model if cfg.online else compiled(self.model)

            def step(items: torch.Tensor, state: dict, generator: torch.Generator):
                b = items.shape[0]
                if frames < N_FRAMES:                   # a random crop per item
                    starts = torch.randint(0, N_FRAMES - frames + 1, (b,), generator=generator, device=self.device)
                    xb, yb = gather_windows(x, items, starts, frames), gather_windows(y, items, starts, frames)
                else:
                    xb, yb = x[items], y[items]
                if cfg.online:
                    noise = torch.randn(b, n_windows(frames, cfg.window), dim, generator=generator,
                                        device=self.device)
                    pred, kl = net(xb, noise, cfg.lookahead, window_step)
                else:
                    pred, kl = net(xb, torch.randn(b, dim, generator=generator, device=self.device))
                rec = F.mse_loss(pred, yb)
                return rec + cfg.kl_weight * kl, {"rec": rec.detach(), "kl": kl.detach()}

            schedule = Schedule(cfg.epochs, cfg.steps_per_epoch, cfg.batch_size, cfg.lr, cfg.weight_decay,
                                cfg.lr_milestones, cfg.lr_gamma, optimizer=cfg.optimizer)
            train_loop(self.model, schedule, x.shape[0], step, seed=seed, device=self.device, run_dir=run_dir,
                       architecture={**cfg.architecture_dict(), "input_widths": list(widths)},
                       loss_keys=("loss", "rec", "kl"), name=self.name,
                       resume=resume, progress=progress,
                       on_epoch_end=on_epoch_end)
        self.save(run_dir / "model")

    def _trained(self) -> TransVAE | TransVAEOnline:
        if self.model is None:
            raise ReactBenchError(f"{self.name}.predict called before fit() or load()")
        return self.model

    @torch.no_grad()
    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        model = self._trained()
        model.eval()
        s, n = split.n_directions, n_samples
        out = np.empty((s, n, N_FRAMES, N_ATTRS), np.float32)
        with torch_threads(self.config.num_threads), without_mha_fastpath():
            for c0 in range(0, s, self.config.infer_batch_clips):
                rows = slice(c0, min(c0 + self.config.infer_batch_clips, s))
                mu, logvar = model.encode(speaker_inputs(split, self.inputs, self.device, rows))
                eps = clip_noise([clip_seed(seed, k) for k in range(rows.start, rows.stop)], n, mu.shape[-1],
                                 self.device)
                z = sample_z(mu[:, None], logvar[:, None], eps).reshape(-1, mu.shape[-1])
                decoded = torch.cat([model.decode(z[r:r + DECODE_ROWS], N_FRAMES)
                                     for r in range(0, z.shape[0], DECODE_ROWS)])
                out[rows] = decoded.view(-1, n, N_FRAMES, N_ATTRS).cpu().numpy()
        return out

    def save(self, path: Path | str) -> None:
        if self.model is None:
            raise ReactBenchError(f"nothing to save: {self.name} has no trained model")
        save_model(path, self.model, {**self.config.to_dict(), "input_widths": list(self.model.speaker.widths)})

    def load(self, path: Path | str, device: str | None = None) -> None:
        folder, saved = read_saved_model(path, self.name)
        with saved_config_errors(folder, self.name):
            widths = tuple(int(w) for w in saved.pop("input_widths"))
            config = TransVAEConfig.from_dict(saved)
            if config.online != self.online_track:
                raise DataError(f"{folder} holds a {config.name} model, not a {self.name} one")
            self.config = config
            self.inputs = InputSpec(attributes=config.use_attributes)
            self.device = resolve_device(device or "cpu")
            self.model = load_weights(self._network(widths), folder).to(self.device).eval()


class TransVAEOnlineMethod(TransVAEMethod):
    """Online Trans-VAE (window 16): the harness's driver calls ``step`` once per window; window i
    sees the speaker's frames [0, (i + 1) w + lookahead) and its own earlier windows."""

    online = True
    online_track = True

    @property
    def window(self) -> int:
        return self.config.window

    @property
    def lookahead(self) -> int:
        return self.config.lookahead

    @property
    def online_batch_clips(self) -> int:
        return self.config.infer_batch_clips

    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        return predict_online(self, split, n_samples=n_samples, seed=seed)

    def start(self, n_samples: int, seed: int) -> None:
        self._trained().eval()
        self._run = (int(n_samples), int(seed))

    @torch.no_grad()
    def step(self, clips: np.ndarray, features: dict[str, np.ndarray], attributes: np.ndarray,
             past: np.ndarray) -> np.ndarray:
        model = self._trained()
        n, seed = self._run
        b, _, t0, _ = past.shape
        parts = [features["video"], features["audio"]] + ([attributes] if self.inputs.attributes else [])
        with torch_threads(self.config.num_threads), without_mha_fastpath():
            x = torch.from_numpy(np.concatenate(parts, axis=-1)).to(self.device)
            window = t0 // self.config.window
            eps = clip_noise([clip_seed(clip_seed(seed, int(k)), window) for k in clips], n,
                             self.config.feature_dim, self.device)
            chunk, _ = model.step(model.speaker(x), torch.from_numpy(past).to(self.device), eps)
        return chunk.cpu().numpy()

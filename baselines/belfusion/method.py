"""BeLFusion, the REACT 2024 challenge baseline (Barquero et al. 2023, adapted by the organisers):
stage 1 trains a GRU VAE over 50-frame listener windows; stage 2 trains a latent MLP diffusion
model (10 DDIM steps) conditioned on the encoded speaker window, with the best-of-k loss. A clip
is 15 independent, non-overlapping windows (docs/baselines.md, "BeLFusion")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from react_bench.constants import AU_SLICE, N_ATTRS, N_FRAMES
from react_bench.data.split import SplitData
from react_bench.errors import ReactBenchError
from react_bench.methods.device import resolve_device, torch_threads
from react_bench.methods.inputs import InputSpec, listener_targets, speaker_inputs
from react_bench.methods.persistence import CONFIG, load_weights, read_saved_model, save_model, saved_config_errors
from react_bench.methods.training import CHECKPOINT, Schedule, clip_seed, compiled, fit_setup, train_loop
from react_bench.methods.windows import gather_windows

from .config import BeLFusionConfig, make_config
from .model import BeLFusionNet

VAE_DIR = "vae"                        # stage 1's checkpoint and losses; stage 2's are in the run folder
VAE_KEYS = ("loss", "mse", "kld")
LDM_KEYS = ("loss", "l1_latent", "mse_decoded")


def binarize_aus(pred: np.ndarray) -> np.ndarray:
    """Round the 15 AU columns in place (the challenge's ``evaluate.py --binarize``)."""
    pred[..., AU_SLICE] = np.round(pred[..., AU_SLICE])
    return pred


def clip_windows(x: torch.Tensor, window: int) -> torch.Tensor:
    """(S, 750, C) -> (S * 750 / window, window, C): the clip's non-overlapping windows, in order."""
    return x.reshape(x.shape[0] * (x.shape[1] // window), window, x.shape[-1])


class BeLFusionMethod:
    def __init__(self, profile: str = "small", **overrides: Any) -> None:
        self.config: BeLFusionConfig = make_config(profile, **overrides)
        self.name = "BeLFusion"
        self.model: BeLFusionNet | None = None
        self.device = torch.device("cpu")

    @property
    def inputs(self) -> InputSpec:
        """[video | audio] for the feature encoder (cond_features), then the 25 attributes."""
        return InputSpec(video=self.config.cond_features, audio=self.config.cond_features, attributes=True)

    # ------------------------------------------------------------------ training
    def fit(self, train: SplitData, val: SplitData | None = None, *, seed: int = 0, device: str = "cpu",
            run_dir: Path | str | None = None, resume: bool | None = None,
            progress: Callable[..., None] | None = None,
            on_epoch_end: Callable[[int, dict], None] | None = None) -> None:
        """Stage 1 in run_dir/vae/, stage 2 in run_dir/ (its checkpoint holds the VAE too, so a
        run whose stage-2 checkpoint exists resumes without stage 1). run_dir/losses.json lists
        both stages' epochs (field "stage"); run_dir/training_curve.png plots both."""
        cfg = self.config
        run_dir, self.device, resume = fit_setup("BeLFusion", cfg, seed, device, run_dir, resume)
        dev = self.device
        with torch_threads(cfg.num_threads):
            x = speaker_inputs(train, self.inputs, dev)
            y = listener_targets(train, dev)
            feature_width = x.shape[-1] - N_ATTRS
            torch.manual_seed(seed)
            net = self.model = BeLFusionNet(cfg, feature_width).to(dev)
            if net.speaker is not None:
                net.speaker.fit_stats(x[..., :feature_width])
            run_dir.mkdir(parents=True, exist_ok=True)
            (run_dir / CONFIG).write_text(json.dumps(cfg.to_dict(), indent=1))

            def report(offset: int, stage: str):
                if on_epoch_end is None:
                    return None
                return lambda epoch, record: on_epoch_end(offset + epoch, {**record, "stage": stage})

            if resume and (run_dir / CHECKPOINT).exists():
                vae_history = _read_history(run_dir / VAE_DIR)      # the VAE comes with stage 2's checkpoint
            else:
                vae_history = self._fit_vae(net, y, seed, run_dir / VAE_DIR, resume, progress, report(0, "vae"))
                self._set_latent_range(net, x, y)
            net.vae.requires_grad_(False)
            ldm_history = self._fit_ldm(net, x, y, seed, run_dir, resume, progress,
                                        report(cfg.vae_epochs, "ldm"), feature_width)
            _write_combined_history(run_dir, vae_history, ldm_history)
        self.save(run_dir / "model")

    def _fit_vae(self, net: BeLFusionNet, y: torch.Tensor, seed: int, run_dir: Path, resume: bool,
                 progress, on_epoch_end) -> list[dict]:
        cfg = self.config
        vae = net.vae

        def vae_loss(windows: torch.Tensor, eps: torch.Tensor):
            mu, logvar = vae.posterior(windows)
            z = mu + torch.exp(0.5 * logvar) * eps
            mse = ((vae.decode(z) - windows) ** 2).mean()
            kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / windows.shape[0]
            return mse + cfg.kld_weight * kld, mse, kld

        loss_of = compiled(vae_loss)        # the 50-step GRU decoder: many small kernels a step

        def step(items: torch.Tensor, state: dict, generator: torch.Generator):
            windows = clip_windows(y[items], cfg.window)
            eps = torch.randn((windows.shape[0], cfg.z_dim), generator=generator, device=windows.device)
            loss, mse, kld = loss_of(windows, eps)
            return loss, {"mse": mse.detach(), "kld": kld.detach()}

        schedule = Schedule(cfg.vae_epochs, cfg.vae_steps_per_epoch, cfg.vae_batch_size, cfg.vae_lr,
                            cfg.vae_weight_decay, optimizer=cfg.optimizer)
        return train_loop(vae, schedule, y.shape[0], step, seed=seed, device=self.device, run_dir=run_dir,
                          architecture=cfg.vae_architecture_dict(), loss_keys=VAE_KEYS, name="BeLFusion VAE",
                          resume=resume, progress=progress, on_epoch_end=on_epoch_end)

    @torch.no_grad()
    def _set_latent_range(self, net: BeLFusionNet, x: torch.Tensor, y: torch.Tensor) -> None:
        """Per-dimension min and max of the latents of every train window, speaker's and listener's."""
        net.eval()
        w = self.config.window
        chunk = max(1, self.config.infer_rows // self.config.n_windows)
        latents = [net.vae.embed(clip_windows(seq[c0:c0 + chunk], w))
                   for seq in (x[..., -N_ATTRS:], y) for c0 in range(0, seq.shape[0], chunk)]
        flat = torch.cat(latents)
        net.lat_min, net.lat_max = flat.min(0).values, flat.max(0).values

    def _fit_ldm(self, net: BeLFusionNet, x: torch.Tensor, y: torch.Tensor, seed: int, run_dir: Path,
                 resume: bool, progress, on_epoch_end, feature_width: int) -> list[dict]:
        cfg = self.config
        k, w = cfg.k, cfg.window
        diffusion = net.diffusion

        def ldm_loss(speaker: torch.Tensor, listener: torch.Tensor, t: torch.Tensor, noise: torch.Tensor):
            b = speaker.shape[0]
            with torch.no_grad():
                x0 = net.encode(listener)
                target = net.decode(x0).reshape(b, 1, -1)             # decoded x0, as the original
            cond = net.condition(speaker)
            x0k, tk, condk = x0.repeat_interleave(k, 0), t.repeat_interleave(k, 0), cond.repeat_interleave(k, 0)
            pred = net.denoiser(diffusion.q_sample(x0k, tk, noise), tk, condk)
            l1 = (pred - x0k).abs().mean(-1).view(b, k).min(1).values.mean()
            mse = ((net.decode(pred).reshape(b, k, -1) - target) ** 2).mean(-1).min(1).values.mean()
            return cfg.l1_latent_weight * l1 + cfg.mse_decoded_weight * mse, l1, mse

        loss_of = compiled(ldm_loss)

        def step(items: torch.Tensor, state: dict, generator: torch.Generator):
            net.vae.eval()
            b = items.numel()
            # one random 50-frame window per clip, anywhere in the clip; then t and the k noises
            starts = torch.randint(0, N_FRAMES - w + 1, (b,), generator=generator, device=items.device)
            speaker, listener = gather_windows(x, items, starts, w), gather_windows(y, items, starts, w)
            t = torch.randint(0, diffusion.steps, (b,), generator=generator, device=items.device)
            noise = torch.randn((b * k, cfg.z_dim), generator=generator, device=items.device)
            loss, l1, mse = loss_of(speaker, listener, t, noise)
            return loss, {"l1_latent": l1.detach(), "mse_decoded": mse.detach()}

        schedule = Schedule(cfg.ldm_epochs, cfg.ldm_steps_per_epoch, cfg.ldm_batch_size, cfg.ldm_lr,
                            cfg.ldm_weight_decay, optimizer=cfg.optimizer)
        return train_loop(net, schedule, y.shape[0], step, seed=seed, device=self.device, run_dir=run_dir,
                          architecture={**cfg.architecture_dict(), "feature_width": feature_width},
                          loss_keys=LDM_KEYS, name="BeLFusion LDM", resume=resume, progress=progress,
                          on_epoch_end=on_epoch_end, parameters=net.stage2_parameters())

    # ------------------------------------------------------------------ inference
    @torch.no_grad()
    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        """Sample j of clip k: its 15 windows' start latents are drawn from a generator seeded
        clip_seed(seed, k) (independent per window, as the original), denoised in 10 DDIM steps
        with each window's own speaker condition, decoded and laid end to end."""
        if self.model is None:
            raise ReactBenchError("BeLFusion.predict called before fit() or load()")
        net = self.model.eval()
        cfg = self.config
        s, n, w, nw, z = split.n_directions, n_samples, cfg.window, cfg.n_windows, cfg.z_dim
        out = np.empty((s, n, N_FRAMES, N_ATTRS), np.float32)
        per_batch = max(1, cfg.infer_rows // (n * nw))
        steps = cfg.diffusion_steps if cfg.eta > 0 else 0
        gen = torch.Generator()
        with torch_threads(cfg.num_threads):
            for c0 in range(0, s, per_batch):
                c1 = min(c0 + per_batch, s)
                c = c1 - c0
                cond = net.condition(clip_windows(speaker_inputs(split, self.inputs, self.device, slice(c0, c1)), w))
                cond = cond.view(c, 1, nw, -1).expand(c, n, nw, cond.shape[-1]).reshape(c * n * nw, -1)
                noise, step_noise = [], []
                for clip in range(c0, c1):
                    gen.manual_seed(clip_seed(seed, clip))
                    noise.append(torch.randn((n * nw, z), generator=gen))
                    step_noise.append(torch.randn((steps, n * nw, z), generator=gen))
                noise = torch.cat(noise).to(self.device)
                step_noise = torch.cat(step_noise, 1).to(self.device)
                x0 = net.diffusion.sample(net.denoiser, noise, cond, clip=cfg.clip_denoised, eta=cfg.eta,
                                          step_noise=step_noise)
                out[c0:c1] = net.decode(x0).reshape(c, n, N_FRAMES, N_ATTRS).cpu().numpy()
        return binarize_aus(out) if cfg.binarize_aus else out

    # ------------------------------------------------------------------ persistence
    def save(self, path: Path | str) -> None:
        if self.model is None:
            raise ReactBenchError("nothing to save: BeLFusion has no trained model")
        width = 0 if self.model.speaker is None else self.model.speaker.mean.numel()
        save_model(path, self.model, {**self.config.to_dict(), "feature_width": width})

    def load(self, path: Path | str, device: str | None = None) -> None:
        folder, saved = read_saved_model(path, "BeLFusion")
        with saved_config_errors(folder, "BeLFusion"):
            width = int(saved.pop("feature_width"))
            inference = {k: getattr(self.config, k) for k in ("binarize_aus",)}   # this instance's choice wins
            self.config = BeLFusionConfig.from_dict({**saved, **inference})
            self.device = resolve_device(device or "cpu")
            self.model = load_weights(BeLFusionNet(self.config, width), folder).to(self.device).eval()


def _read_history(run_dir: Path) -> list[dict]:
    try:
        return list(json.loads((run_dir / "losses.json").read_text()))
    except (OSError, ValueError):
        return []


def _write_combined_history(run_dir: Path, vae: list[dict], ldm: list[dict]) -> None:
    """run_dir/losses.json: stage 1's epochs then stage 2's, each with "stage" and a global
    "epoch" ("stage_epoch" counts within the stage); training_curve.png: one panel per stage."""
    offset = len(vae)
    records = [{**r, "stage": "vae", "stage_epoch": r["epoch"]} for r in vae] + \
              [{**r, "stage": "ldm", "stage_epoch": r["epoch"], "epoch": offset + r["epoch"]} for r in ldm]
    (run_dir / "losses.json").write_text(json.dumps(records, indent=1))

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.5), dpi=100)
    FigureCanvasAgg(fig)
    for i, (stage, history, keys) in enumerate((("stage 1: VAE", vae, VAE_KEYS), ("stage 2: LDM", ldm, LDM_KEYS))):
        ax = fig.add_subplot(1, 2, i + 1)
        keys = tuple(key for key in keys if key != "kld")     # weighted 1e-5: its scale would hide the rest
        for key, style in zip(keys, ("-", "--", ":")):
            ax.plot([h["epoch"] for h in history], [h[key] for h in history], style, label=key)
        if history and all(h[key] > 0 for h in history for key in keys):
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(f"BeLFusion {stage}")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(run_dir / "training_curve.png")

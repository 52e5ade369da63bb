"""L2L: Learning to Listen (Ng et al., CVPR 2022) on 25-d listener attributes, two stages on the
shared training core.

Stage 1 trains the listener-motion VQ-VAE on random 32-frame windows of the train listeners
(run_dir/vqvae/). Stage 2 freezes it, tokenises every train listener as 4-token chunks at a stride
of one token, and trains the predictor (run_dir/): cross-entropy on the next 4 tokens given the 4
before them (randomly masked) and the 40 speaker frames up to the end of the next token.

Resume: run_dir/checkpoint.pt is stage 2's, and it holds the whole model (the frozen VQ-VAE too).
With resume=True and that checkpoint present, stage 1 is finished and is skipped; stage 2 continues
from its last epoch. Otherwise stage 1 continues from run_dir/vqvae/checkpoint.pt (if any) and
stage 2 starts from scratch. Both networks are built from the seed before either stage trains, so a
resumed run ends bit-identical to an uninterrupted one on the CPU. ``on_epoch_end`` sees one epoch
count over both stages (stage 2's epoch e is vq_epochs + e)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch.nn import functional as F

from react_bench.constants import N_ATTRS, N_FRAMES
from react_bench.data.split import SplitData
from react_bench.errors import ReactBenchError
from react_bench.methods.device import resolve_device, torch_threads
from react_bench.methods.inputs import InputSpec, listener_targets, speaker_inputs
from react_bench.methods.persistence import CONFIG, load_weights, read_saved_model, save_model, saved_config_errors
from react_bench.methods.training import CHECKPOINT, Schedule, compiled, fit_setup, train_loop
from react_bench.methods.windows import gather_windows, to_windows

from .config import L2LConfig, make_config
from .model import L2LModel, pad_speaker, rollout

log = logging.getLogger(__name__)

VQ_DIR = "vqvae"
IGNORE = -100                              # cross-entropy target of tokens past the clip's end


def sample_seed(seed: int, sample: int) -> int:
    """Seed of sample ``sample``'s own generator."""
    return int(np.random.SeedSequence([int(seed), int(sample)]).generate_state(1)[0])


class L2LMethod:
    def __init__(self, profile: str = "small", **overrides: Any) -> None:
        self.config: L2LConfig = make_config(profile, **overrides)
        self.name = "L2L"
        self.inputs = InputSpec(attributes=self.config.use_attributes)
        self.model: L2LModel | None = None
        self.device = torch.device("cpu")

    def _widths(self, split: SplitData) -> tuple[int, int, int]:
        return (split.video.shape[-1], split.audio.shape[-1], split.speaker.shape[-1] if self.inputs.attributes else 0)

    def fit(self, train: SplitData, val: SplitData | None = None, *, seed: int = 0, device: str = "cpu",
            run_dir: Path | str | None = None, resume: bool | None = None,
            progress: Callable[..., None] | None = None,
            on_epoch_end: Callable[[int, dict], None] | None = None) -> None:
        cfg = self.config
        run_dir, self.device, resume = fit_setup("L2L", cfg, seed, device, run_dir, resume)
        with torch_threads(cfg.num_threads):
            x = speaker_inputs(train, self.inputs, self.device)
            y = listener_targets(train, self.device)
            torch.manual_seed(seed)
            self.model = model = L2LModel(self._widths(train), cfg).to(self.device)
            model.vq.norm.fit_stats(y)
            model.predictor.speaker.norm.fit_stats(x)
            run_dir.mkdir(parents=True, exist_ok=True)
            (run_dir / CONFIG).write_text(json.dumps(cfg.to_dict(), indent=1))
            architecture = {**cfg.architecture_dict(), "widths": list(model.widths)}
            tell = on_epoch_end or (lambda epoch, record: None)

            # stage 1: the VQ-VAE on random windows (any start frame) of the train listeners
            starts = N_FRAMES - cfg.window + 1
            y_norm = model.vq.norm(y)

            vq_net = compiled(model.vq)

            def vq_step(items: torch.Tensor, state: dict, generator: torch.Generator):
                rows, start = items // starts, items % starts
                target = gather_windows(y_norm, rows, start, cfg.window)
                recon, vq_loss, _ = vq_net(target)
                l1 = F.l1_loss(recon, target)
                return l1 + vq_loss, {"l1": l1.detach(), "vq": vq_loss.detach()}

            stage_two_resumes = bool(resume and (run_dir / CHECKPOINT).exists())
            if stage_two_resumes:
                log.info("L2L: %s is stage 2's checkpoint; stage 1 finished before", run_dir / CHECKPOINT)
            else:
                train_loop(model.vq, Schedule(cfg.vq_epochs, cfg.vq_steps_per_epoch, cfg.vq_batch_size, cfg.vq_lr,
                                              cfg.weight_decay, cfg.vq_lr_milestones, cfg.lr_gamma),
                           y.shape[0] * starts, vq_step, seed=seed, device=self.device, run_dir=run_dir / VQ_DIR,
                           architecture=architecture, loss_keys=("loss", "l1", "vq"), name="L2L VQ-VAE",
                           resume=resume, progress=progress, on_epoch_end=tell)

            # stage 2: the predictor on (clip, token) items. The train listeners are tokenised once,
            # before stage 2's first epoch (its epoch times then hold only training steps), or, when
            # stage 2 resumes, on first use: after train_loop has restored the VQ-VAE from its checkpoint
            n_tokens = -(-N_FRAMES // cfg.token_frames)
            w, fs, tf = cfg.window_tokens, cfg.speaker_frames, cfg.token_frames
            x_pad = pad_speaker(x, cfg)
            cache: dict[str, torch.Tensor] = {}

            speaker_net, predictor_net = compiled(model.predictor.speaker), compiled(model.predictor)

            def chunks() -> torch.Tensor:
                if "chunks" not in cache:
                    cache["chunks"] = self._tokenise(y_norm, n_tokens)
                return cache["chunks"]

            def step(items: torch.Tensor, state: dict, generator: torch.Generator):
                tok = chunks()                                                # (S, n_tokens, w)
                rows, t = items // n_tokens, items % n_tokens
                pos = t[:, None] - w + torch.arange(w, device=self.device)   # past token positions
                first = (t - w).clamp_min(0)
                past = tok[rows[:, None], first[:, None], (pos - first[:, None]).clamp_min(0)]
                shown = torch.randint(0, 5 * cfg.max_mask_len + 1, (len(items), 1), generator=generator,
                                      device=self.device).clamp_max(w)
                hidden = (pos < 0) | (torch.arange(w, device=self.device) < w - shown)
                past = past.masked_fill(hidden, cfg.n_codes)
                future = tok[rows, t].masked_fill(t[:, None] + torch.arange(w, device=self.device) >= n_tokens,
                                                  IGNORE)
                speaker = speaker_net(gather_windows(x_pad, rows, t * tf, fs))
                logits = predictor_net(past, speaker)
                loss = F.cross_entropy(logits.reshape(-1, cfg.n_codes), future.reshape(-1), ignore_index=IGNORE)
                valid = future != IGNORE                 # no boolean indexing: a host read
                accuracy = ((logits.argmax(-1) == future) & valid).sum() / valid.sum()
                return loss, {"accuracy": accuracy.detach()}

            if not stage_two_resumes:
                chunks()
            train_loop(model, Schedule(cfg.epochs, cfg.steps_per_epoch, cfg.batch_size, cfg.lr, cfg.weight_decay,
                                       cfg.lr_milestones, cfg.lr_gamma),
                       y.shape[0] * n_tokens, step, seed=seed, device=self.device, run_dir=run_dir,
                       architecture=architecture, loss_keys=("loss", "accuracy"), name="L2L predictor",
                       resume=resume, progress=progress, parameters=model.predictor.parameters(),
                       on_epoch_end=lambda epoch, record: tell(cfg.vq_epochs + epoch, record))
        self.save(run_dir / "model")

    @torch.no_grad()
    def _tokenise(self, y_norm: torch.Tensor, n_tokens: int) -> torch.Tensor:
        """(S, 750, 25) standardised listeners -> (S, n_tokens, w): the tokens of the window that
        starts at every token (the clip's last frame repeated past its end)."""
        cfg, vq = self.config, self.model.vq
        vq.eval()
        total = (n_tokens - 1) * cfg.token_frames + cfg.window
        y_pad = torch.cat([y_norm, y_norm[:, -1:].expand(-1, total - y_norm.shape[1], -1)], 1)
        windows = to_windows(y_pad, cfg.window, cfg.token_frames).reshape(-1, cfg.window, N_ATTRS)
        tokens = torch.cat([vq.tokens(windows[i:i + 512]) for i in range(0, len(windows), 512)])
        return tokens.reshape(y_norm.shape[0], n_tokens, cfg.window_tokens)

    @torch.no_grad()
    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        if self.model is None:
            raise ReactBenchError("L2L.predict called before fit() or load()")
        self.model.eval()
        cfg = self.config
        out = np.empty((split.n_directions, n_samples, N_FRAMES, N_ATTRS), np.float32)
        generators = []
        for j in range(n_samples):
            generators.append(torch.Generator(device=self.device))
            generators[-1].manual_seed(sample_seed(seed, j))
        with torch_threads(cfg.num_threads):
            for c0 in range(0, split.n_directions, cfg.predict_batch):
                rows = slice(c0, min(c0 + cfg.predict_batch, split.n_directions))
                x = speaker_inputs(split, self.inputs, self.device, rows)
                pred = rollout(self.model, x, generators, cfg, N_FRAMES)          # (n * b, 750, 25)
                out[rows] = pred.reshape(n_samples, x.shape[0], N_FRAMES, N_ATTRS).transpose(0, 1).cpu().numpy()
        return out

    def save(self, path: Path | str) -> None:
        if self.model is None:
            raise ReactBenchError("nothing to save: L2L has no trained model")
        save_model(path, self.model, {**self.config.to_dict(), "widths": list(self.model.widths)})

    def load(self, path: Path | str, device: str | None = None) -> None:
        folder, saved = read_saved_model(path, "L2L")
        with saved_config_errors(folder, "L2L"):
            widths = tuple(saved.pop("widths"))
            self.config = L2LConfig.from_dict(saved)
            self.inputs = InputSpec(attributes=self.config.use_attributes)
            self.device = resolve_device(device or "cpu")
            self.model = load_weights(L2LModel(widths, self.config), folder).to(self.device).eval()

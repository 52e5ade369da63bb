"""REGNNMethod: the harness-facing wrapper (react_bench.methods.base.Method)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ...data.split import SplitData
from ...errors import ReactBenchError
from ..device import resolve_device, torch_threads
from ..training import fit_setup
from ..persistence import load_tensors, load_weights, read_saved_model, save_model, saved_config_errors
from .config import REGNNConfig, make_config
from .model import REGNNModel
from .train import EpochCallback, generate, residual_bank, train_model

RESIDUALS = "residuals.pt"     # the GMGD modes' latent residuals of train clips (sampling="gmgd")


class REGNNMethod:
    """REGNN (Xu et al. 2023). ``profile``: paper | small | smoke; ``variant``: default | video_only |
    audio_only | no_graph | iresnet | no_mefl; ``overrides``: any REGNNConfig field."""

    def __init__(self, profile: str = "small", variant: str = "default", **overrides: Any) -> None:
        self.config: REGNNConfig = make_config(profile, variant, **overrides)
        self.name = self.config.name
        self.model: REGNNModel | None = None
        self.residuals: torch.Tensor | None = None
        self.device = torch.device("cpu")
        self.history: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ training
    def build(self, video_dim: int, audio_dim: int, seed: int) -> REGNNModel:
        self.config.video_dim, self.config.audio_dim = int(video_dim), int(audio_dim)
        self.config.validate()
        torch.manual_seed(seed)
        self.model = REGNNModel(self.config).to(self.device)
        return self.model

    def fit(self, train: SplitData, val: SplitData | None = None, *, seed: int = 1, device: str = "cpu",
            run_dir: Path | str | None = None, resume: bool | None = None,
            on_epoch_end: EpochCallback | None = None, progress: Callable[..., None] | None = None) -> None:
        """Train on ``train`` (``val`` is not used: the official code has no validation loop).

        ``run_dir`` receives config.json, checkpoint.pt (every epoch), losses.json,
        training_curve.png and the final model (``run_dir/model``). ``resume`` (default
        ``config.resume``) continues from run_dir/checkpoint.pt if it exists.
        """
        run_dir, self.device, resume = fit_setup("REGNNMethod", self.config, seed, device, run_dir, resume)
        with torch_threads(self.config.num_threads):
            model = self.build(train.video.shape[-1], train.audio.shape[-1], seed)
            if self.config.standardise_inputs:
                model.perceptual.set_input_stats(*_feature_stats(train.video), *_feature_stats(train.audio))
            self.history = train_model(model, self.config, train, seed=seed, device=self.device, run_dir=run_dir,
                                       resume=resume,
                                       on_epoch_end=on_epoch_end, progress=progress)
            # every trained model carries its GMGD modes, so any sampling preset can use it
            self.residuals = residual_bank(model, self.config, train, self.device)
        self.save(run_dir / "model")

    # ------------------------------------------------------------------ inference
    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        if self.model is None:
            raise ReactBenchError("REGNNMethod.predict called before fit() or load()")
        with torch_threads(self.config.num_threads):
            return generate(self.model, self.config, split, n_samples=n_samples, seed=seed, device=self.device,
                            residuals=self.residuals)

    # ------------------------------------------------------------------ persistence
    def save(self, path: Path | str) -> None:
        """A directory with ``weights.pt`` (plain state dict) and ``config.json``."""
        if self.model is None:
            raise ReactBenchError("nothing to save: REGNNMethod has no trained model")
        path = save_model(path, self.model, self.config.to_dict(), indent=2, sort_keys=True)   # = config.to_json()
        if self.residuals is not None:
            torch.save(self.residuals.contiguous(), path / RESIDUALS)

    def load(self, path: Path | str, device: str | None = None) -> None:
        folder, saved = read_saved_model(path, "REGNN")
        with saved_config_errors(folder, "REGNN"):
            self.config = REGNNConfig.from_dict(saved)
            self.name = self.config.name
            if device is not None:
                self.device = resolve_device(device)
            self.model = load_weights(REGNNModel(self.config), folder)
            self.residuals = (load_tensors(folder / RESIDUALS)
                              if (folder / RESIDUALS).exists() else None)
            self.model.to(self.device).eval()


def _feature_stats(x: np.ndarray, chunk: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-feature mean and std over all directions and frames (std floored at 1e-3), in chunks so a
    paper-size split never gets a float64 copy."""
    total = np.zeros(x.shape[-1])
    total_sq = np.zeros(x.shape[-1])
    count = 0
    for i in range(0, x.shape[0], chunk):
        block = np.asarray(x[i:i + chunk], dtype=np.float64).reshape(-1, x.shape[-1])
        total += block.sum(axis=0)
        count += block.shape[0]
    mean = total / max(count, 1)
    for i in range(0, x.shape[0], chunk):
        block = np.asarray(x[i:i + chunk], dtype=np.float64).reshape(-1, x.shape[-1])
        total_sq += ((block - mean) ** 2).sum(axis=0)
    std = np.maximum(np.sqrt(total_sq / max(count, 1)), 1e-3)
    return torch.as_tensor(mean, dtype=torch.float32), torch.as_tensor(std, dtype=torch.float32)

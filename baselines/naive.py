"""The naive rows of the REACT tables, as the official run_baselines.py defines them.

One deliberate difference: predictions have 750 frames (what models and evaluate.py use), not the
751 that run_baselines.py passes through (react_metrics.md §3, quirk 10).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from react_bench.data.split import SplitData


class _NaiveMethod:
    """Nothing to train; `predict` is a pure function of the split (and the seed)."""

    name = "naive"

    def fit(self, train: SplitData, val: SplitData | None, *, seed: int = 0, device: str = "cpu",
            run_dir: Path | None = None) -> None:
        return None

    def save(self, path: Path) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / "method.json").write_text(json.dumps({"method": self.name}))

    def load(self, path: Path) -> None:
        return None

    @staticmethod
    def _repeat(sequences: np.ndarray, n_samples: int) -> np.ndarray:
        return np.repeat(np.asarray(sequences, np.float32)[:, None], n_samples, axis=1)


class GroundTruth(_NaiveMethod):
    name = "GT"

    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        return self._repeat(split.listener, n_samples)


class MimeBaseline(_NaiveMethod):
    name = "B_Mime"

    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        return self._repeat(split.speaker, n_samples)


class RandomBaseline(_NaiveMethod):
    """U[0, 1) on all 25 columns, VA included. Seeded here; the official one is not."""

    name = "B_Random"

    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        rng = np.random.default_rng(seed)
        return rng.random((split.n_directions, n_samples) + split.speaker.shape[1:], dtype=np.float32)


class MeanSequenceBaseline(_NaiveMethod):
    """The mean train sequence over both roles, the same for every direction and sample."""

    name = "B_MeanSeq"

    def __init__(self) -> None:
        self.mean_sequence: np.ndarray | None = None

    def fit(self, train: SplitData, val: SplitData | None, *, seed: int = 0, device: str = "cpu",
            run_dir: Path | None = None) -> None:
        # Mirrored speakers cover every train person once, so this pools speakers and listeners.
        self.mean_sequence = np.asarray(train.speaker, np.float64).mean(axis=0).astype(np.float32)

    def _template(self) -> np.ndarray:
        if self.mean_sequence is None:
            raise RuntimeError(f"{self.name}: call fit() (or load()) before predict()")
        return self.mean_sequence

    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        template = self._template()
        return np.broadcast_to(template, (split.n_directions, n_samples) + template.shape).copy()

    def save(self, path: Path) -> None:
        super().save(path)
        np.save(Path(path) / "mean_sequence.npy", self._template())

    def load(self, path: Path) -> None:
        self.mean_sequence = np.load(Path(path) / "mean_sequence.npy", allow_pickle=False)


class MeanFrameBaseline(MeanSequenceBaseline):
    """B_MeanSeq averaged over time: one (25,) frame held constant."""

    name = "B_MeanFr"

    def _template(self) -> np.ndarray:
        sequence = super()._template()
        return np.broadcast_to(sequence.mean(axis=0, keepdims=True), sequence.shape).astype(np.float32)

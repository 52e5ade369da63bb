"""Reference rows of the synthetic world. They read `ground_truth/`, so they are never ranked:
they bound what a method can reach, and show what the metrics reward.

- Oracle_style: one counterfactual per admissible style (the first draw of each), cycled to n
  samples: the upper bound of style coverage.
- Context_mean: the mean train listener of the direction's true context, n identical copies: the
  best predictor of the level alone.
- Ideal_sampler: n real train listeners of the true context, drawn without replacement (with
  replacement only when the context has fewer than n): an ideal sampler of the context's reactions
  that ignores the speaker's time course.

A context with no train listener (possible only in tiny profiles such as smoke) falls back to all
train listeners.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from react_bench.data.ground_truth import direction_contexts, load_counterfactuals
from react_bench.data.split import SplitData
from react_bench.errors import DataError


def _root(split: SplitData) -> Path:
    root = (split.meta or {}).get("root")
    if not root:
        raise DataError(f"split {split.name!r} does not say which dataset it came from (meta['root'])")
    return Path(root)


class _ReferenceMethod:
    name = "reference"

    def save(self, path: Path) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    def load(self, path: Path) -> None:
        return None


class OracleStyle(_ReferenceMethod):
    name = "Oracle_style"

    def fit(self, train: SplitData, val: SplitData | None, *, seed: int = 0, device: str = "cpu",
            run_dir: Path | None = None) -> None:
        return None

    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        loaded = load_counterfactuals(_root(split), split.name, split.n_directions)
        if loaded is None:
            raise DataError(f"Oracle_style needs ground_truth/counterfactual_{split.name}.npy "
                            "(synthetic world v2 or later)")
        cf, styles = loaded
        out = np.empty((split.n_directions, n_samples) + cf.shape[2:], np.float32)
        for k in range(split.n_directions):
            _, first = np.unique(styles[k], return_index=True)     # first draw of each style
            picks = np.sort(first)
            out[k] = cf[k, picks[np.arange(n_samples) % picks.size]]
        return out


class _ContextMethod(_ReferenceMethod):
    """Keeps the train listeners grouped by their true context."""

    def __init__(self) -> None:
        self.by_context: dict[int, np.ndarray] = {}

    def fit(self, train: SplitData, val: SplitData | None, *, seed: int = 0, device: str = "cpu",
            run_dir: Path | None = None) -> None:
        contexts = direction_contexts(_root(train), train.name, train.speaker_paths)
        listener = np.asarray(train.listener, np.float32)
        self.by_context = {int(c): listener[contexts == c] for c in np.unique(contexts)}

    def _pools(self, split: SplitData) -> list[np.ndarray]:
        """Per direction, the train listeners of its context (all of them if the context has none:
        only in tiny profiles such as smoke)."""
        if not self.by_context:
            raise RuntimeError(f"{self.name}: call fit() before predict()")
        everyone = np.concatenate(list(self.by_context.values()))
        contexts = direction_contexts(_root(split), split.name, split.speaker_paths)
        return [self.by_context.get(int(c), everyone) for c in contexts]


class ContextMean(_ContextMethod):
    name = "Context_mean"

    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        means: dict[int, np.ndarray] = {}
        out = []
        for pool in self._pools(split):
            if id(pool) not in means:
                means[id(pool)] = pool.astype(np.float64).mean(axis=0).astype(np.float32)
            out.append(np.repeat(means[id(pool)][None], n_samples, axis=0))
        return np.stack(out)


class IdealSampler(_ContextMethod):
    name = "Ideal_sampler"

    def predict(self, split: SplitData, *, n_samples: int = 10, seed: int = 0) -> np.ndarray:
        rng = np.random.default_rng(seed)
        out = []
        for pool in self._pools(split):
            pick = rng.choice(len(pool), size=n_samples, replace=len(pool) < n_samples)
            out.append(pool[pick])
        return np.stack(out).astype(np.float32)

"""The protocol every method (REGNN, the baselines) follows."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..data.split import SplitData


@runtime_checkable
class Method(Protocol):
    """fit on train (val may be used for selection), predict (S, n_samples, 750, 25) float32."""

    name: str

    def fit(self, train: SplitData, val: SplitData | None, *, seed: int, device: str, run_dir: Path) -> None: ...

    def predict(self, split: SplitData, *, n_samples: int, seed: int) -> np.ndarray: ...

    def save(self, path: Path) -> None: ...

    def load(self, path: Path) -> None: ...

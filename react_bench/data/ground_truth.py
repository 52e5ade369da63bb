"""Reading a synthetic dataset's `ground_truth/` folder (the scorer and the reference rows only).

Methods that compete never read this folder; `tests/test_ground_truth_isolation.py` runs every
non-reference method with it removed. Files (written by react_bench.data.synth):

- `contexts_<split>.csv`: one row per person-clip: path, role, context, style (and more columns);
- `counterfactual_<split>.npy`: (S, K, 750, 25) float32, each direction's listener driven by the
  recorded speaker under every admissible style (several draws each);
- `counterfactual_styles_<split>.npy`: (S, K) style index of each counterfactual.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..errors import DataError
from .arrays import load_plain_npy

FOLDER = "ground_truth"


def ground_truth_dir(root: Path | str) -> Path:
    return Path(root) / FOLDER


def has_counterfactuals(root: Path | str, split: str) -> bool:
    return (ground_truth_dir(root) / f"counterfactual_{split}.npy").is_file()


def load_counterfactuals(root: Path | str, split: str, n_directions: int | None = None
                         ) -> tuple[np.ndarray, np.ndarray] | None:
    """(counterfactuals (S, K, T, 25) float32 memory-mapped, styles (S, K)), or None if absent."""
    folder = ground_truth_dir(root)
    if not has_counterfactuals(root, split):
        return None
    cf = load_plain_npy(folder / f"counterfactual_{split}.npy", mmap_mode="r")
    styles = load_plain_npy(folder / f"counterfactual_styles_{split}.npy")
    if cf.ndim != 4 or styles.shape != cf.shape[:2]:
        raise DataError(f"{folder}: counterfactuals {cf.shape} and styles {styles.shape} do not match")
    if n_directions is not None and cf.shape[0] != n_directions:
        raise DataError(f"{folder}: counterfactuals of {split} have {cf.shape[0]} directions, "
                        f"the split has {n_directions}")
    return cf, styles


def read_contexts(root: Path | str, split: str) -> dict[str, int]:
    """{person path: latent context} from `contexts_<split>.csv`."""
    file = ground_truth_dir(root) / f"contexts_{split}.csv"
    if not file.is_file():
        raise DataError(f"{file} not found: this method needs a synthetic dataset's ground truth")
    with open(file, newline="") as handle:
        return {row["path"]: int(row["context"]) for row in csv.DictReader(handle)}


def direction_contexts(root: Path | str, split: str, speaker_paths: list[str]) -> np.ndarray:
    """(S,) context of each direction (the context of its clip, read through its speaker path)."""
    contexts = read_contexts(root, split)
    missing = [p for p in speaker_paths if p not in contexts]
    if missing:
        raise DataError(f"contexts_{split}.csv has no row for {missing[0]} ({len(missing)} missing)")
    return np.array([contexts[p] for p in speaker_paths], dtype=np.int64)

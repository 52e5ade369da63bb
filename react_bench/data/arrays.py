"""Parsing of single REACT files into arrays, with clear errors naming the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..constants import N_ATTRS, N_FRAMES, RAW_FRAMES
from ..errors import DataError


NPY_MAGIC = b"\x93NUMPY"


def load_plain_npy(file: Path, mmap_mode: str | None = None) -> np.ndarray:
    """An array from a `.npy` file, never unpickling; a clear DataError for anything else.

    np.load falls back to pickle for files without the .npy magic, and with allow_pickle=False its
    error then talks about pickles; a text file saved as `.npy` is simply not a .npy file.
    """
    file = Path(file)
    try:
        with open(file, "rb") as handle:
            magic = handle.read(len(NPY_MAGIC))
    except FileNotFoundError:
        raise DataError(f"{file}: file not found") from None
    except OSError as exc:
        raise DataError(f"{file}: cannot read ({exc.strerror or exc})") from None
    if magic != NPY_MAGIC:
        raise DataError(f"{file}: not a valid .npy file (it does not start with the NumPy format header)")
    try:
        return np.load(file, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        reason = "it holds Python objects, which react-bench never unpickles" if "pickle" in str(exc) else exc
        raise DataError(f"{file}: cannot read as a plain .npy array ({reason})") from None


def read_emotion_csv(file: Path) -> np.ndarray:
    """(750, 25) float32 from an Emotion CSV: a header row, then 751 or 750 rows of 25 values."""
    import pandas as pd

    try:
        frame = pd.read_csv(file, header=0, dtype=np.float64, engine="c")
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{file}: not a numeric Emotion CSV ({exc})") from None
    values = frame.to_numpy()
    if values.shape[1] != N_ATTRS:
        raise DataError(f"{file}: expected {N_ATTRS} columns, found {values.shape[1]}")
    if values.shape[0] not in (N_FRAMES, RAW_FRAMES):
        raise DataError(f"{file}: expected {RAW_FRAMES} or {N_FRAMES} data rows, found {values.shape[0]}")
    if not np.isfinite(values).all():
        raise DataError(f"{file}: {_first_bad_cell(values, list(frame.columns))}")
    return values[:N_FRAMES].astype(np.float32)


def _first_bad_cell(values: np.ndarray, columns: list[str]) -> str:
    """Where a parsed Emotion CSV first holds an empty, NaN or infinite value, in a file's terms."""
    missing_tail = np.isnan(values[:, ::-1]).cumprod(axis=1).sum(axis=1)   # trailing empties per row
    if missing_tail.min() > 0:
        return f"expected {N_ATTRS} values per row, rows have {N_ATTRS - int(missing_tail.min())}"
    row, col = (int(i) for i in np.argwhere(~np.isfinite(values))[0])
    if missing_tail[row] and col >= N_ATTRS - missing_tail[row]:
        return f"data row {row + 1} (line {row + 2}) has {N_ATTRS - int(missing_tail[row])} of {N_ATTRS} values (cut short?)"
    return f"data row {row + 1} (line {row + 2}), column {columns[col]!r} is empty, NaN or infinite"


def read_feature_file(file: Path) -> np.ndarray:
    """(750, D) float32 per-frame features from `.npy` (no pickles) or `.pth` (weights_only)."""
    if file.suffix == ".npy":
        array = load_plain_npy(file)
    else:
        import torch

        try:
            tensor = torch.load(file, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any failure means "not a plain tensor file"
            raise DataError(f"{file}: cannot read as a tensor file ({type(exc).__name__}: {exc})") from None
        if not isinstance(tensor, torch.Tensor):
            raise DataError(f"{file}: expected one tensor, found {type(tensor).__name__}")
        array = tensor.detach().float().numpy()
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2:
        raise DataError(f"{file}: expected (frames, dim) features, found shape {array.shape}")
    frames = array.shape[0]
    if frames == N_FRAMES - 1:
        # VGGish of a 30.00 s wav gives 749 patches; the official loader repeats the last row.
        array = np.concatenate([array, array[-1:]], axis=0)
    elif frames < N_FRAMES:
        raise DataError(f"{file}: expected at least {N_FRAMES} frames, found {frames}")
    if not np.isfinite(array).all():
        raise DataError(f"{file}: contains NaN or infinite values")
    return np.ascontiguousarray(array[:N_FRAMES], dtype=np.float32)

"""Write and read submission folders (docs/submission_format.md)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..constants import N_ATTRS, N_FRAMES
from ..errors import SubmissionError
from .format import (
    LAYOUTS,
    METADATA_FILE,
    build_metadata,
    check_speaker_paths,
    check_split_name,
    npy_relpath,
    pth_relpath,
)
from .validate import ValidationReport, _run


def write_submission(
    directory: str | os.PathLike,
    predictions: np.ndarray,
    speaker_paths: Sequence[str],
    split: str,
    method: str,
    dataset_fingerprint: str,
    description: str = "",
    *,
    overwrite: bool = False,
    layout: str = "npy",
    run_id: str | None = None,
) -> Path:
    """Write predictions (S, n, 750, 25) as a submission folder; return its path.

    Direction k is stored under ``speaker_paths[k]``. ``layout="npy"`` (default) is the canonical
    layout; ``layout="pth"`` writes the REACT 2024 ``result-<j>.pth`` files (plus submission.json)
    for the official ``regnn/evaluation.py``. Values are cast to float32 and must be finite.

    Atomic: everything is written into a temporary sibling folder that is renamed into place at
    the end, so a crash leaves no half-written submission. An existing non-empty ``directory`` is
    refused unless ``overwrite=True`` (then it is replaced as a whole).
    """
    paths = check_speaker_paths(speaker_paths)
    check_split_name(split)
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    pred = _check_predictions(predictions, len(paths))
    dest = Path(directory)
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise SubmissionError(f"{dest} exists and is not a folder; refusing to replace it")
    if dest.is_dir() and any(dest.iterdir()) and not overwrite:
        raise SubmissionError(f"{dest} already exists and is not empty (choose another folder or remove it)")

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        meta = build_metadata(method=method, split=split, dataset_fingerprint=dataset_fingerprint,
                              n_samples=pred.shape[1], n_directions=pred.shape[0], description=description,
                              run_id=run_id)
        if layout == "npy":
            _write_npy(tmp, pred, paths, split)
        else:
            _write_pth(tmp, pred, paths, split)
        (tmp / METADATA_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o755)          # mkdtemp makes it 0700
        _swap_into_place(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def read_submission(
    directory: str | os.PathLike,
    speaker_paths: Sequence[str],
    split: str,
    *,
    n_samples: int = 10,
    max_file_bytes: int | None = None,
    dataset_fingerprint: str | None = None,
    strict: bool = False,
    layout: str | None = None,
) -> np.ndarray:
    """Validate, then return the predictions (S, n_samples, 750, 25) float32 in ``speaker_paths`` order.

    Raises SubmissionError (with ``.problems``) when validation fails. Validation and loading are
    one pass: each file is read once, straight into the result.
    """
    arr, _ = read_submission_with_report(directory, speaker_paths, split, n_samples=n_samples,
                                         max_file_bytes=max_file_bytes, dataset_fingerprint=dataset_fingerprint,
                                         strict=strict, layout=layout)
    return arr


def read_submission_with_report(
    directory: str | os.PathLike,
    speaker_paths: Sequence[str],
    split: str,
    *,
    n_samples: int = 10,
    max_file_bytes: int | None = None,
    dataset_fingerprint: str | None = None,
    strict: bool = False,
    layout: str | None = None,
) -> tuple[np.ndarray, ValidationReport]:
    """read_submission that also returns the ValidationReport (its warnings, metadata, layout)."""
    out = np.empty((len(speaker_paths), n_samples, N_FRAMES, N_ATTRS), np.float32)
    report = _run(directory, speaker_paths, split, n_samples=n_samples, max_file_bytes=max_file_bytes,
                  dataset_fingerprint=dataset_fingerprint, strict=strict, layout=layout, out=out)
    report.raise_if_failed()
    return out, report


# ---------------------------------------------------------------------------------------------


def _check_predictions(predictions: Any, S: int) -> np.ndarray:
    arr = np.asarray(predictions)
    if arr.ndim != 4 or arr.shape[0] != S or arr.shape[1] < 1 or arr.shape[2:] != (N_FRAMES, N_ATTRS):
        raise SubmissionError(f"predictions must have shape ({S}, n_samples, {N_FRAMES}, {N_ATTRS}), "
                              f"got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise SubmissionError(f"predictions must be real numbers, got dtype {arr.dtype}")
    with np.errstate(over="ignore"):          # overflow to inf is reported just below
        arr = np.ascontiguousarray(arr, dtype=np.float32)
    bad = ~np.isfinite(arr).all(axis=(1, 2, 3))
    if bad.any():
        idx = np.flatnonzero(bad)
        raise SubmissionError(f"predictions hold NaN/Inf (after casting to float32) in {idx.size} "
                              f"direction(s), e.g. index {idx[:10].tolist()}")
    return arr


def _write_npy(tmp: Path, pred: np.ndarray, paths: list[str], split: str) -> None:
    for k, s in enumerate(paths):
        f = tmp / npy_relpath(split, s)
        f.parent.mkdir(parents=True, exist_ok=True)
        np.save(f, pred[k], allow_pickle=False)


def _write_pth(tmp: Path, pred: np.ndarray, paths: list[str], split: str) -> None:
    import torch

    for k, s in enumerate(paths):
        (tmp / split / s).mkdir(parents=True, exist_ok=True)
        for j in range(pred.shape[1]):
            # .clone(): a view would make torch.save store the whole (S, n, 750, 25) buffer.
            torch.save(torch.from_numpy(pred[k, j]).clone(), tmp / pth_relpath(split, s, j))


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Rename ``tmp`` to ``dest``; an existing ``dest`` is moved aside first and deleted after."""
    if not dest.exists():
        os.rename(tmp, dest)
        return
    if not any(dest.iterdir()):
        dest.rmdir()
        os.rename(tmp, dest)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
    old.rmdir()
    os.rename(dest, old)
    try:
        os.rename(tmp, dest)
    except BaseException:
        os.rename(old, dest)           # put the previous submission back
        raise
    shutil.rmtree(old, ignore_errors=True)

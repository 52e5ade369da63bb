"""Load one split of a REACT-layout dataset into a SplitData, through an array cache.

The first load parses the CSVs once and writes one `.npy` per split and modality; later loads
memory-map them. The cache is keyed by a signature of every source file (path, size, mtime), so
editing any file invalidates it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import DataError
from .arrays import read_emotion_csv, read_feature_file
from .layout import (emotion_file, feature_file, matrix_path, mirrored_directions, read_split_pairs,
                     split_csv_path)
from .split import SplitData

CACHE_VERSION = 1
Progress = Callable[[str, int, int], None]
_MODALITIES = ("Video", "Audio")


def load_split(root: Path | str, split: str, *, features: bool = True, cache: bool = True,
               progress: Progress | None = None) -> SplitData:
    """Read `<root>/<split>` in the official mirrored order (S = 2 x CSV rows).

    features=False skips speaker video/audio features (scoring needs only the emotions); their
    arrays then have width 0.
    """
    root = Path(root)
    pairs = read_split_pairs(split_csv_path(root, split))
    speakers, listeners = mirrored_directions(pairs)
    sources = _source_files(root, split, speakers, features)
    cache_dir = _cache_dir(root, split)
    arrays = {}
    for modality, files in sources.items():
        signature = _signature(modality, files)
        array = _read_cache(cache_dir, modality, signature) if cache else None
        if array is None:
            array = _parse(modality, files, progress)
            if cache and _write_cache(cache_dir, modality, signature, array):
                cached = _read_cache(cache_dir, modality, signature)
                array = array if cached is None else cached
        arrays[modality] = array
    emotion = np.asarray(arrays["emotion"])
    n_pairs = len(pairs)
    listener = np.concatenate([emotion[n_pairs:], emotion[:n_pairs]])  # listener[k] = speaker[k +- L]
    empty = np.zeros((len(speakers), emotion.shape[1], 0), np.float32)
    return SplitData(
        name=split,
        speaker_paths=speakers,
        listener_paths=listeners,
        speaker=emotion,
        listener=listener,
        video=arrays.get("video", empty),
        audio=arrays.get("audio", empty),
        appropriate=_load_matrix(root, split, len(speakers)),
        fingerprint=dataset_fingerprint(root),
        meta={"root": str(root), "n_pairs": n_pairs},
    )


def dataset_fingerprint(root: Path) -> str:
    """The generator's content fingerprint if the dataset has one, else a hash of its split files."""
    info = Path(root) / "dataset.json"
    if info.is_file():
        try:
            value = json.loads(info.read_text()).get("fingerprint")
        except json.JSONDecodeError:
            value = None
        if value:
            return str(value)
    digest = hashlib.sha256()
    for file in sorted(Path(root).glob("*.csv")) + sorted(Path(root).glob("neighbour_emotion_*.npy")):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return "sha256:" + digest.hexdigest()[:16]


def _load_matrix(root: Path, split: str, n_directions: int) -> np.ndarray | None:
    file = matrix_path(root, split)
    if not file.is_file():
        return None
    try:
        matrix = np.load(file, allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"{file}: cannot read as a plain .npy array ({exc})") from None
    if matrix.shape != (n_directions, n_directions):
        raise DataError(f"{file}: shape {matrix.shape} does not match the split's "
                        f"{n_directions} mirrored directions ({n_directions}, {n_directions})")
    if not np.isin(matrix, (0, 1)).all():
        raise DataError(f"{file}: appropriateness values must be 0 or 1")
    return matrix.astype(np.uint8)


def _source_files(root: Path, split: str, speakers: list[str], features: bool) -> dict[str, list[Path]]:
    sources = {"emotion": [emotion_file(root, split, p) for p in speakers]}
    if features:
        for modality in _MODALITIES:
            files = [feature_file(root, split, modality, p) for p in speakers]
            missing = [p for p, f in zip(speakers, files) if f is None]
            if missing:
                folder = Path(root) / split / f"{modality}_features"
                raise DataError(f"{len(missing)} {modality.lower()} feature files missing under {folder}, "
                                f"first: {missing[0]}(.npy|.pth)")
            sources[modality.lower()] = files  # type: ignore[assignment]
    return sources


def _signature(modality: str, files: list[Path]) -> str:
    digest = hashlib.sha256(f"v{CACHE_VERSION}|{modality}".encode())
    for file in files:
        stat = file.stat()
        digest.update(f"{file}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _parse(modality: str, files: list[Path], progress: Progress | None) -> np.ndarray:
    reader = read_emotion_csv if modality == "emotion" else read_feature_file
    rows = []
    for i, file in enumerate(files):
        rows.append(reader(file))
        if progress is not None:
            progress(f"reading {modality}", i + 1, len(files))
    widths = {r.shape[1] for r in rows}
    if len(widths) > 1:
        raise DataError(f"{modality} files have different widths {sorted(widths)}")
    return np.stack(rows)


def _cache_dir(root: Path, split: str) -> Path:
    if os.access(root, os.W_OK):
        return Path(root) / ".react_bench_cache" / split
    from .default import user_cache_dir

    key = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return user_cache_dir() / "splits" / key / split


def _read_cache(cache_dir: Path, modality: str, signature: str) -> np.ndarray | None:
    try:
        info = json.loads((cache_dir / f"{modality}.json").read_text())
        if info.get("signature") != signature:
            return None
        return np.load(cache_dir / f"{modality}.npy", mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, json.JSONDecodeError):
        return None


def _write_cache(cache_dir: Path, modality: str, signature: str, array: np.ndarray) -> bool:
    """Write atomically; returns False if the cache cannot be written (only costs speed)."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{modality}.tmp.npy"
        np.save(tmp, array)
        os.replace(tmp, cache_dir / f"{modality}.npy")
        tmp_info = cache_dir / f".{modality}.json.tmp"
        tmp_info.write_text(json.dumps({"signature": signature, "version": CACHE_VERSION,
                                        "shape": list(array.shape)}))
        os.replace(tmp_info, cache_dir / f"{modality}.json")
        return True
    except OSError:
        return False

"""Load one split of a REACT-layout dataset into a SplitData, through an array cache.

The first load parses the CSVs once and writes one `.npy` per split and modality; later loads
memory-map them. The cache is keyed by a signature of every source file (path, size, mtime), so
editing any file invalidates it. The split's content fingerprint (``split_fingerprint``) is cached
the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import DataError
from .arrays import load_plain_npy, read_emotion_csv, read_feature_file
from .layout import (emotion_file, feature_file, matrix_path, mirrored_directions, read_split_pairs,
                     split_csv_path)
from .split import SplitData

CACHE_VERSION = 1


class MatrixWarning(UserWarning):
    """A matrix that can be scored but looks wrong (e.g. asymmetric); the CLI prints it."""


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
    arrays = {modality: _cached_array(cache_dir, modality, files, cache, progress)
              for modality, files in sources.items()}
    emotion = np.asarray(arrays["emotion"])
    fingerprint = generator_fingerprint(root) or _content_fingerprint(
        root, split, sources["emotion"], cache_dir, cache, progress, emotion)
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
        fingerprint=fingerprint,
        meta={"root": str(root), "n_pairs": n_pairs},
    )


def dataset_fingerprint(root: Path | str, split: str | None = None, *, cache: bool = True) -> str:
    """The fingerprint of ``split`` of the dataset at ``root`` (``SplitData.fingerprint``).

    A synthetic dataset (dataset.json holding a generator fingerprint) has one fingerprint for all
    of its splits, the generator's. Real data has a content fingerprint per split
    (``split_fingerprint``). With ``split=None``: the sha256 over "<split>\t<fingerprint>\n"
    lines of every split whose CSV exists.
    """
    root = Path(root)
    generated = generator_fingerprint(root)
    if generated is not None:
        return generated
    if split is not None:
        return split_fingerprint(root, split, cache=cache)
    from ..constants import SPLITS

    present = [name for name in SPLITS if split_csv_path(root, name).is_file()]
    if not present:
        raise DataError(f"{root}: no split CSV ({', '.join(f'{name}.csv' for name in SPLITS)})")
    digest = hashlib.sha256()
    for name in present:
        digest.update(f"{name}\t{split_fingerprint(root, name, cache=cache)}\n".encode())
    return digest.hexdigest()


def generator_fingerprint(root: Path | str) -> str | None:
    """The "fingerprint" of ``<root>/dataset.json`` (synthetic datasets), else None."""
    info = Path(root) / "dataset.json"
    if not info.is_file():
        return None
    try:
        value = json.loads(info.read_text()).get("fingerprint")
    except (ValueError, AttributeError, OSError):      # ValueError: bad JSON or bytes that are no UTF-8
        return None
    return str(value) if value else None


def split_fingerprint(root: Path | str, split: str, *, cache: bool = True,
                      progress: Progress | None = None) -> str:
    """Content fingerprint of one split, whatever dataset.json says: the sha256 over the split
    name, the bytes of ``<split>.csv`` and of ``neighbour_emotion_<split>.npy`` (if present) and
    the parsed (S, 750, 25) float32 emotion array in mirrored order. Features are not part of it,
    so loads with and without features agree; file times are not either. Cached beside the
    array cache (keyed by the files' path, size and mtime), so repeated loads do not rehash."""
    root = Path(root)
    speakers, _ = mirrored_directions(read_split_pairs(split_csv_path(root, split)))
    files = [emotion_file(root, split, path) for path in speakers]
    return _content_fingerprint(root, split, files, _cache_dir(root, split), cache, progress)


def _content_fingerprint(root: Path, split: str, emotion_files: list[Path], cache_dir: Path,
                         cache: bool, progress: Progress | None,
                         emotion: np.ndarray | None = None) -> str:
    csv_file = split_csv_path(root, split)
    matrix_file = matrix_path(root, split)
    sources = [csv_file] + ([matrix_file] if matrix_file.is_file() else []) + list(emotion_files)
    signature = _signature(f"fingerprint|{split}", sources)
    record = cache_dir / "fingerprint.json"
    if cache:
        try:
            info = json.loads(record.read_text())
            if info.get("signature") == signature and info.get("fingerprint"):
                return str(info["fingerprint"])
        except (OSError, ValueError, AttributeError):
            pass
    if emotion is None:
        emotion = _cached_array(cache_dir, "emotion", list(emotion_files), cache, progress)
    matrix = matrix_file.read_bytes() if matrix_file.is_file() else None
    value = _hash_split(split, csv_file.read_bytes(), matrix, np.asarray(emotion))
    if cache:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = cache_dir / ".fingerprint.json.tmp"
            tmp.write_text(json.dumps({"signature": signature, "fingerprint": value,
                                       "version": CACHE_VERSION}))
            os.replace(tmp, record)
        except OSError:
            pass                                   # only costs a rehash next time
    return value


def _hash_split(split: str, csv_bytes: bytes, matrix_bytes: bytes | None, emotion: np.ndarray) -> str:
    digest = hashlib.sha256(f"react-bench split content v1\nsplit {split}\n".encode())
    digest.update(f"csv {len(csv_bytes)}\n".encode())
    digest.update(csv_bytes)
    if matrix_bytes is None:
        digest.update(b"matrix none\n")
    else:
        digest.update(f"matrix {len(matrix_bytes)}\n".encode())
        digest.update(matrix_bytes)
    values = np.ascontiguousarray(emotion, dtype="<f4")
    digest.update(f"emotion <f4 {list(values.shape)}\n".encode())
    digest.update(memoryview(values).cast("B"))
    return digest.hexdigest()


def _load_matrix(root: Path, split: str, n_directions: int) -> np.ndarray | None:
    file = matrix_path(root, split)
    if not file.is_file():
        return None
    from ..appropriateness.validate import validate_matrix
    from ..errors import MatrixError

    try:
        matrix = load_plain_npy(file)
    except DataError as error:
        raise MatrixError(str(error)) from None
    report = validate_matrix(matrix, expected_size=n_directions)
    if not report.ok:
        raise MatrixError(f"{file}: invalid appropriateness matrix\n" + "\n".join(report.problems),
                          problems=report.problems)
    if report.symmetric is False:  # scored (the official code reads rows), but a labelling mistake
        asymmetric = [w for w in report.warnings if "symmetric" in w]
        warnings.warn(f"{file}: " + "; ".join(asymmetric), MatrixWarning, stacklevel=2)
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


def _cached_array(cache_dir: Path, modality: str, files: list[Path], cache: bool,
                  progress: Progress | None) -> np.ndarray:
    """The parsed array of one modality, from the cache when its signature matches."""
    signature = _signature(modality, files)
    array = _read_cache(cache_dir, modality, signature) if cache else None
    if array is None:
        array = _parse(modality, files, progress)
        if cache and _write_cache(cache_dir, modality, signature, array):
            cached = _read_cache(cache_dir, modality, signature)
            array = array if cached is None else cached
    return array


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

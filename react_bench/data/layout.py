"""Paths of the REACT dataset layout, and the official mirrored direction order.

<root>/<split>.csv                                   header ",speaker_path,listener_path"
<root>/<split>/Emotion/<path>.csv                    header + 751 (or 750) rows x 25
<root>/<split>/{Video,Audio}_features/<path>.{npy,pth}
<root>/neighbour_emotion_<split>.npy                 (S, S) 0/1, mirrored order
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..errors import DataError

# REACT 2024 "react_clean" renames the person folder of Emotion paths (replace_pid in
# regnn/evaluation.py). Tried only when the raw path is missing.
_NOXI_RENAMES = {"Expert_video": "P1", "Novice_video": "P2"}
_RECOLA_RENAMES = {"P25": "P1", "P41": "P1", "P45": "P1", "P26": "P2", "P42": "P2", "P46": "P2"}


def split_csv_path(root: Path, split: str) -> Path:
    return Path(root) / f"{split}.csv"


def matrix_path(root: Path, split: str) -> Path:
    return Path(root) / f"neighbour_emotion_{split}.npy"


def read_split_pairs(csv_path: Path) -> list[tuple[str, str]]:
    """Rows (speaker_path, listener_path) of a split CSV, in file order."""
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise DataError(f"split file not found: {csv_path}")
    with csv_path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or [c.strip() for c in rows[0][1:3]] != ["speaker_path", "listener_path"]:
        raise DataError(f"{csv_path}: expected header ',speaker_path,listener_path', got {rows[:1]}")
    pairs = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) < 3 or not row[1].strip() or not row[2].strip():
            raise DataError(f"{csv_path}:{line_no}: expected 'index,speaker_path,listener_path', got {row}")
        pairs.append((row[1].strip(), row[2].strip()))
    if not pairs:
        raise DataError(f"{csv_path}: no rows")
    return pairs


def mirrored_directions(pairs: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Speakers = column 1 then column 2; listeners = column 2 then column 1 (S = 2L)."""
    speakers = [s for s, _ in pairs] + [listener for _, listener in pairs]
    listeners = [listener for _, listener in pairs] + [s for s, _ in pairs]
    if len(set(speakers)) != len(speakers):
        seen: set[str] = set()
        dup = next(p for p in speakers if p in seen or seen.add(p))
        raise DataError(f"person path {dup!r} appears more than once in the split")
    return speakers, listeners


def renamed_person_path(path: str) -> str | None:
    """The official react_clean person renaming of a raw path, or None if no rule applies."""
    parts = path.split("/")
    if len(parts) < 3:
        return None
    site = parts[0].lower()
    person_idx = len(parts) - 2
    table = _NOXI_RENAMES if site == "noxi" else _RECOLA_RENAMES if site == "recola" else None
    if table is None or parts[person_idx] not in table:
        return None
    parts[person_idx] = table[parts[person_idx]]
    return "/".join(parts)


def emotion_file(root: Path, split: str, path: str) -> Path:
    """The Emotion CSV of a person path; falls back to the official renaming if needed."""
    base = Path(root) / split / "Emotion"
    raw = base / f"{path}.csv"
    if raw.is_file():
        return raw
    renamed = renamed_person_path(path)
    if renamed is not None and (base / f"{renamed}.csv").is_file():
        return base / f"{renamed}.csv"
    tried = f" (also tried {renamed}.csv)" if renamed else ""
    raise DataError(f"Emotion file not found: {raw}{tried}")


def feature_file(root: Path, split: str, modality: str, path: str) -> Path | None:
    """`<root>/<split>/<Video|Audio>_features/<path>.npy` or `.pth`, or None if neither exists."""
    folder = Path(root) / split / f"{modality}_features"
    for ext in (".npy", ".pth"):
        candidate = folder / f"{path}{ext}"
        if candidate.is_file():
            return candidate
    return None

"""The submission layouts, the submission.json schema, and the limits (docs/submission_format.md).

Two layouts are read:

- ``npy`` (canonical): ``<dir>/submission.json`` plus ``<dir>/<split>/<speaker path>.npy``, one
  (n_samples, 750, 25) float32 array per mirrored direction.
- ``pth`` (REACT 2024 ``regnn/evaluation.py``): ``<dir>/<split>/<speaker path>/result-<j>.pth``,
  j = 0..n_samples-1, each one ``torch.save``d (750, 25) float32 tensor; submission.json optional.

This module holds only pure helpers (no file reads); validate.py and io.py use them.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Literal, Sequence

from ..constants import N_ATTRS, N_FRAMES
from ..errors import DataError

Layout = Literal["npy", "pth"]
LAYOUTS: tuple[str, ...] = ("npy", "pth")

METADATA_FILE = "submission.json"
FORMAT_VERSION = 1
# Keys the writer always writes and the validator requires (canonical layout).
REQUIRED_KEYS: dict[str, type | tuple[type, ...]] = {
    "method": str,
    "split": str,
    "dataset_fingerprint": str,
    "n_samples": int,
    "n_directions": int,
    "created": str,
    "react_bench_version": str,
    "description": str,
}
# Optional keys with a checked type; any other key is tolerated and ignored.
OPTIONAL_KEYS: dict[str, type | tuple[type, ...]] = {"format_version": int, "run_id": str}

MAX_METADATA_BYTES = 1 << 20          # submission.json larger than 1 MiB is rejected
MAX_LISTED = 10                       # offending files listed per failure kind
FILE_SLACK_BYTES = 64 * 1024          # header / zip overhead allowed on top of the raw data
PTH_PATTERN = re.compile(r"^result-(0|[1-9][0-9]*)\.pth$")
# Plain-text notes tolerated at the submission root (anything else there is an extra file).
NOTE_SUFFIXES = (".md", ".txt")


def direction_nbytes(n_samples: int) -> int:
    """Raw float32 bytes of one direction's predictions, (n_samples, 750, 25)."""
    return int(n_samples) * N_FRAMES * N_ATTRS * 4


def default_max_file_bytes(n_samples: int) -> int:
    """Default per-file size limit (.npy or .pth): twice one direction's raw data plus 64 KiB."""
    return 2 * direction_nbytes(n_samples) + FILE_SLACK_BYTES


def check_speaker_paths(speaker_paths: Sequence[str]) -> list[str]:
    """Return the speaker paths as a list after checking they are safe relative POSIX paths.

    A speaker path names a file below the submission's split folder, so it must be relative,
    use "/" separators, and have no empty, "." or ".." components. Duplicates are refused too
    (each direction is keyed by its speaker's path). Raises DataError: a bad path is a dataset
    problem, not a submission problem.
    """
    paths = [str(p) for p in speaker_paths]
    bad = []
    for p in paths:
        parts = p.split("/")
        if (not p or "\\" in p or "\x00" in p or p.startswith("/")
                or any(part in ("", ".", "..") for part in parts)):
            bad.append(p)
    if bad:
        raise DataError(f"{len(bad)} speaker path(s) are not safe relative paths: "
                        + format_list(bad))
    seen: set[str] = set()
    dups = sorted({p for p in paths if p in seen or seen.add(p)})
    if dups:
        raise DataError(f"{len(dups)} speaker path(s) occur more than once: " + format_list(dups))
    return paths


def check_split_name(split: str) -> str:
    """A split name is one safe path component (usually train/val/test)."""
    if not split or "/" in split or "\\" in split or split in (".", "..") or split == METADATA_FILE:
        raise DataError(f"invalid split name {split!r}")
    return split


def npy_relpath(split: str, speaker_path: str) -> str:
    """Canonical layout: ``<split>/<speaker path>.npy`` (POSIX, relative to the submission dir)."""
    return f"{split}/{speaker_path}.npy"


def pth_relpath(split: str, speaker_path: str, j: int) -> str:
    """R24 layout: ``<split>/<speaker path>/result-<j>.pth``."""
    return f"{split}/{speaker_path}/result-{j}.pth"


def expected_files(split: str, speaker_paths: Sequence[str], layout: Layout, n_samples: int) -> list[str]:
    """Every file a complete submission holds (relative POSIX paths), direction order."""
    if layout == "npy":
        return [npy_relpath(split, s) for s in speaker_paths]
    return [pth_relpath(split, s, j) for s in speaker_paths for j in range(n_samples)]


def expected_dirs(files: Sequence[str]) -> set[str]:
    """All ancestor directories (relative, excluding the root) of the given relative files."""
    out: set[str] = set()
    for f in files:
        parent = PurePosixPath(f).parent
        while str(parent) not in (".", "") and str(parent) not in out:
            out.add(str(parent))
            parent = parent.parent
    return out


def format_list(items: Sequence[str], limit: int = MAX_LISTED) -> str:
    """``a, b, c`` with at most ``limit`` items, then ``... and N more``."""
    items = list(items)
    head = ", ".join(items[:limit])
    if len(items) > limit:
        head += f" ... and {len(items) - limit} more"
    return head


def build_metadata(*, method: str, split: str, dataset_fingerprint: str, n_samples: int,
                   n_directions: int, description: str = "", created: datetime | None = None,
                   run_id: str | None = None) -> dict[str, Any]:
    """The submission.json content the writer stores (`run_id`: the run that made it, if any)."""
    from .. import __version__

    when = created or datetime.now().astimezone()
    return {
        "format_version": FORMAT_VERSION,
        "method": str(method),
        "split": str(split),
        "dataset_fingerprint": str(dataset_fingerprint),
        "n_samples": int(n_samples),
        "n_directions": int(n_directions),
        "created": when.isoformat(timespec="seconds"),
        "react_bench_version": __version__,
        "description": str(description),
        **({"run_id": str(run_id)} if run_id else {}),
    }


def metadata_schema_problems(meta: Any) -> list[str]:
    """Schema problems of a parsed submission.json (empty list = well-formed)."""
    if not isinstance(meta, dict):
        return [f"top level is a JSON {json_type(meta)}, not an object"]
    out = []
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        out.append("missing key(s): " + ", ".join(missing))
    for key, typ in {**REQUIRED_KEYS, **OPTIONAL_KEYS}.items():
        if key not in meta:
            continue
        val = meta[key]
        # bool is an int subclass in Python; true/false is not a count.
        if not isinstance(val, typ) or (typ is int and isinstance(val, bool)):
            want = "an integer" if typ is int else "a string"
            out.append(f"{key!r} must be {want}, got {json_type(val)}")
    if isinstance(meta.get("method"), str) and not meta["method"].strip():
        out.append("'method' is empty")
    for key in ("n_samples", "n_directions"):
        v = meta.get(key)
        if isinstance(v, int) and not isinstance(v, bool) and v < 1:
            out.append(f"{key!r} must be >= 1, got {v}")
    version = meta.get("format_version", FORMAT_VERSION)
    if isinstance(version, int) and version != FORMAT_VERSION:
        out.append(f"'format_version' {meta['format_version']} is not supported (this reader: {FORMAT_VERSION})")
    created = meta.get("created")
    if isinstance(created, str):
        try:
            datetime.fromisoformat(created)
        except ValueError:
            out.append(f"'created' is not an ISO 8601 time: {created!r}")
    return out


def json_type(val: Any) -> str:
    if val is None:
        return "null"
    if isinstance(val, bool):
        return "boolean"
    if isinstance(val, (int, float)):
        return "number"
    if isinstance(val, str):
        return "string"
    if isinstance(val, list):
        return "array"
    return "object"

"""Recompute a dataset's fingerprint (``react-bench data verify ROOT``).

A synthetic dataset (dataset.json with a generator fingerprint): the file-level fingerprint is
recomputed exactly as ``synth_io.HashingWriter`` defines it (sha256 over "<relative path>\\t<sha256
of the file>\\n" lines sorted by path, for every file except dataset.json; hidden files and folders,
the ``.react_bench_cache/`` array cache among them, are skipped) and compared with dataset.json.
When dataset.json lists per-file digests ("files"), the report names the files that differ.

Real data (no dataset.json): each split's content fingerprint (``reader.split_fingerprint``);
there is nothing to compare it with.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..constants import SPLITS
from ..errors import DataError
from .layout import split_csv_path
from .synth_io import fingerprint_of

_CHUNK = 1 << 20


@dataclass
class VerifyReport:
    root: str
    kind: str                                   # "synthetic" or "real"
    ok: bool
    fingerprint: str | None = None              # recomputed (synthetic)
    expected: str | None = None                 # from dataset.json (synthetic)
    n_files: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    expected_n_files: int | None = None
    per_file_known: bool = False                # dataset.json lists per-file digests
    splits: dict[str, str] = field(default_factory=dict)   # real data: split -> fingerprint

    @property
    def n_differing(self) -> int | None:
        """How many files differ (changed + missing + extra), or None if that cannot be told."""
        if self.per_file_known:
            return len(self.changed) + len(self.missing) + len(self.extra)
        return None

    def to_dict(self) -> dict[str, Any]:
        out = {"ok": self.ok, "root": self.root, "kind": self.kind}
        if self.kind == "synthetic":
            out.update(fingerprint=self.fingerprint, expected=self.expected, n_files=self.n_files,
                       expected_n_files=self.expected_n_files, n_differing=self.n_differing,
                       changed=self.changed, missing=self.missing, extra=self.extra)
        else:
            out["splits"] = self.splits
        return out


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def dataset_file_digests(root: Path | str) -> dict[str, str]:
    """{relative posix path: sha256} of every file under root except dataset.json, skipping
    hidden files and anything under a hidden folder (``.react_bench_cache/``, partial writes)."""
    root = Path(root)
    out = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        key = rel.as_posix()
        if key == "dataset.json":
            continue
        out[key] = file_digest(path)
    return out


def verify_dataset(root: Path | str) -> VerifyReport:
    """Recompute the fingerprint of the dataset at root; DataError if root is not a dataset."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"dataset folder not found: {root}")
    info = root / "dataset.json"
    if info.is_file():
        try:
            meta = json.loads(info.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"{info}: not valid JSON ({exc})") from None
        if not isinstance(meta, dict) or not meta.get("fingerprint"):
            raise DataError(f"{info}: no generator fingerprint to verify against")
        return _verify_generated(root, meta)
    present = [name for name in SPLITS if split_csv_path(root, name).is_file()]
    if not present:
        raise DataError(f"{root} is not a dataset: no dataset.json and no split CSV "
                        f"({', '.join(f'{name}.csv' for name in SPLITS)})")
    from .reader import split_fingerprint

    return VerifyReport(root=str(root), kind="real", ok=True,
                        splits={name: split_fingerprint(root, name) for name in present})


def _verify_generated(root: Path, meta: dict[str, Any]) -> VerifyReport:
    digests = dataset_file_digests(root)
    actual = fingerprint_of(digests)
    expected = str(meta["fingerprint"])
    report = VerifyReport(root=str(root), kind="synthetic", ok=actual == expected,
                          fingerprint=actual, expected=expected, n_files=len(digests),
                          expected_n_files=meta.get("n_files"))
    listed = meta.get("files")
    if isinstance(listed, dict) and listed:
        report.per_file_known = True
        report.changed = sorted(p for p in digests.keys() & listed.keys() if digests[p] != listed[p])
        report.missing = sorted(listed.keys() - digests.keys())
        report.extra = sorted(digests.keys() - listed.keys())
    return report

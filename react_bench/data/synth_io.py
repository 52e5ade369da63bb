"""Fast, deterministic file writers for the synthetic dataset (Emotion CSVs, .npy, fingerprint)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np

from react_bench.constants import ATTRIBUTE_NAMES, N_ATTRS

EMOTION_HEADER = (",".join(ATTRIBUTE_NAMES) + "\n").encode("ascii")
_N_AU = 15
_N_REAL = N_ATTRS - _N_AU
_FIELD = 10                     # "-d.dddddd," per real-valued field (the sign is masked out if >= 0)


def format_emotion_rows(x: np.ndarray) -> bytes:
    """Rows of a (T, 25) attribute array as CSV bytes, built without a Python loop over rows.

    AUs (columns 0-14) are written as 0/1, the other 10 columns with 6 decimals ("0.123456",
    "-0.5", ...); values must lie in [-1, 1]. Parsing gives back the input to within 5e-7.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    real = np.clip(x[:, _N_AU:], -1.0, 1.0)
    q = np.rint(np.abs(real) * 1e6).astype(np.int64)           # (n, 10) micro-units
    neg = (real < 0) & (q > 0)
    width = 2 * _N_AU + _FIELD * _N_REAL
    buf = np.empty((n, width), np.uint8)
    keep = np.ones((n, width), bool)
    buf[:, 0:2 * _N_AU:2] = 48 + (x[:, :_N_AU] > 0.5)
    buf[:, 1:2 * _N_AU:2] = ord(",")
    f = buf[:, 2 * _N_AU:].reshape(n, _N_REAL, _FIELD)
    k = keep[:, 2 * _N_AU:].reshape(n, _N_REAL, _FIELD)
    f[:, :, 0] = ord("-")
    k[:, :, 0] = neg
    f[:, :, 1] = 48 + q // 1_000_000
    f[:, :, 2] = ord(".")
    rem = q % 1_000_000
    for d in range(6):
        f[:, :, 8 - d] = 48 + rem % 10
        rem //= 10
    f[:, :, 9] = ord(",")
    f[:, -1, 9] = ord("\n")
    return buf[keep].tobytes()


def emotion_csv_values(x: np.ndarray) -> np.ndarray:
    """float32 values an Emotion CSV written by ``format_emotion_rows`` holds for ``x`` (..., 25),
    as the reader returns them: AUs 0/1 (``x > 0.5``), the other columns clipped to [-1, 1] and
    rounded to 6 decimals exactly as written (q = rint(|x| 1e6), value +-q / 1e6, the nearest
    float64 to the written decimal), then cast to float32. Element-wise IEEE operations only."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty(x.shape, np.float64)
    out[..., :_N_AU] = (x[..., :_N_AU] > 0.5).astype(np.float64)
    real = np.clip(x[..., _N_AU:], -1.0, 1.0)
    q = np.rint(np.abs(real) * 1e6)
    value = q / 1e6
    out[..., _N_AU:] = np.where((real < 0) & (q > 0), -value, value)
    return out.astype(np.float32)


def emotion_csv_bytes(x: np.ndarray) -> bytes:
    """A full Emotion CSV (header + one row per frame)."""
    return EMOTION_HEADER + format_emotion_rows(x)


def npy_bytes(arr: np.ndarray) -> bytes:
    """Bytes of ``np.save(arr)`` (format 1.0, deterministic)."""
    b = io.BytesIO()
    np.save(b, arr, allow_pickle=False)
    return b.getvalue()


class HashingWriter:
    """Writes files under a root and remembers each file's sha256 for the dataset fingerprint."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.digests: dict[str, str] = {}
        self._dirs: set[Path] = set()

    def write(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        parent = path.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        path.write_bytes(data)
        self.digests[rel] = hashlib.sha256(data).hexdigest()

    def fingerprint(self) -> str:
        """sha256 over "relative/path<TAB>file-sha256<LF>" lines in sorted path order."""
        return fingerprint_of(self.digests)


def fingerprint_of(digests: dict[str, str]) -> str:
    """The dataset fingerprint of {relative path: sha256 hex of the file}: sha256 over
    "relative/path<TAB>file-sha256<LF>" lines in sorted path order (HashingWriter, data verify)."""
    h = hashlib.sha256()
    for rel in sorted(digests):
        h.update(f"{rel}\t{digests[rel]}\n".encode())
    return h.hexdigest()

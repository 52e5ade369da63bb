"""The results store: one self-describing JSON per result identity. It never loses a result.

A result's *identity* is what was scored and how: method, run (or submission) id, dataset
fingerprint, split, sample count and the scoring options (FRRea on or off, the metric versions).
Path: `<store>/<method>/<run-id>/<split>-<identity key>.json`, where the key is a short hash of the
identity. So:

- the same identity scored again is refused (`ResultExists`) unless `replace=True`;
- a different identity (other data, other options) is a new file, never a replacement.

Writes are atomic (temporary file + rename), mode 0644, under an exclusive file lock on
`<store>/.lock` (`store_lock`); LEADERBOARD.md is regenerated under the same lock by the pipeline.
`load_results` skips corrupt or foreign JSON files and reports each one (`StoreProblem`), and
upgrades files written by older schema versions, so old results keep loading.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import ReactBenchError

SCHEMA_VERSION = 2
DEFAULT_STORE = Path("leaderboard") / "results"
RESULT_MODE = 0o644
LOCK_FILE = ".lock"
IDENTITY_FIELDS = ("method", "run_id", "dataset_fingerprint", "split", "n_samples", "frrea", "metric_versions")


class ResultExists(ReactBenchError):
    """A result with the same identity is already stored (a no-op unless replacing)."""

    exit_code = 0

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(f"already scored with the same identity: {path} (use --replace to score it again)")


@dataclass(frozen=True)
class StoreProblem:
    """A file in the store that is not a loadable result."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def git_sha() -> str | None:
    """The commit of the react-bench checkout, if it is one."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def safe_name(text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_.+" else "_" for c in text)
    return cleaned.strip(".") or "_"


# ------------------------------------------------------------------------------------------ identity
def metric_versions() -> str:
    """The computed-value versions of every metric, e.g. "FRDist=1,FRCorr=1,..."."""
    from .metrics.meta import METRICS

    return ",".join(f"{m.name}={m.version}" for m in METRICS)


def result_identity(*, method: str, run_id: str, dataset_fingerprint: str, split: str, n_samples: int,
                    frrea: bool, versions: str | None = None) -> dict[str, Any]:
    """The fields that make two results the same result."""
    return {"method": str(method), "run_id": str(run_id), "dataset_fingerprint": str(dataset_fingerprint),
            "split": str(split), "n_samples": int(n_samples), "frrea": bool(frrea),
            "metric_versions": versions if versions is not None else metric_versions()}


def identity_key(identity: dict[str, Any]) -> str:
    """12 hex digits of sha256 over the identity's canonical JSON."""
    canonical = json.dumps({k: identity[k] for k in IDENTITY_FIELDS}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def result_path(store: Path, identity: dict[str, Any]) -> Path:
    return (Path(store) / safe_name(identity["method"]) / safe_name(identity["run_id"])
            / f"{safe_name(identity['split'])}-{identity_key(identity)}.json")


def identity_of(result: dict[str, Any]) -> dict[str, Any]:
    """The identity a stored result declares (schema 2), or one rebuilt from its fields."""
    if isinstance(result.get("identity"), dict) and set(IDENTITY_FIELDS) <= set(result["identity"]):
        return dict(result["identity"])
    return result_identity(method=result["method"], run_id=result["run_id"],
                           dataset_fingerprint=(result.get("dataset") or {}).get("fingerprint", ""),
                           split=result["split"], n_samples=int(result.get("n_samples") or 10),
                           frrea="FRRea" not in (result.get("skipped") or {}), versions="unknown")


# ------------------------------------------------------------------------------------------ hashing
def array_sha256(array: Any) -> str:
    """sha256 over dtype, shape and the C-order bytes of an array (the predictions a result scored)."""
    import numpy as np

    arr = np.ascontiguousarray(array)
    digest = hashlib.sha256(f"{arr.dtype.str}|{arr.shape}|".encode())
    step = max(1, (64 << 20) // max(arr.itemsize * int(np.prod(arr.shape[1:], dtype=np.int64)), 1))
    for start in range(0, arr.shape[0] if arr.ndim else 1, step):  # chunks: no big temporary
        digest.update(arr[start:start + step].tobytes() if arr.ndim else arr.tobytes())
    return digest.hexdigest()


def files_sha256(folder: Path) -> str | None:
    """sha256 over "relative path\\tsha256" lines of every file under `folder` (None if it holds none)."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    if not files:
        return None
    digest = hashlib.sha256()
    for file in files:
        inner = hashlib.sha256()
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                inner.update(block)
        digest.update(f"{file.relative_to(folder).as_posix()}\t{inner.hexdigest()}\n".encode())
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------ writing
@contextlib.contextmanager
def store_lock(store: Path) -> Iterator[None]:
    """An exclusive advisory lock on the store (blocks until other writers are done). Not re-entrant."""
    store = Path(store)
    store.mkdir(parents=True, exist_ok=True)
    with open(store / LOCK_FILE, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_json_atomic(path: Path, payload: dict[str, Any], mode: int = RESULT_MODE) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle, indent=1, sort_keys=False, default=_jsonable)
            handle.write("\n")
        os.chmod(tmp, mode)            # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str, mode: int = RESULT_MODE) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def existing_result(store: Path, identity: dict[str, Any]) -> Path | None:
    path = result_path(store, identity)
    return path if path.is_file() else None


def write_result(result: dict[str, Any], store: Path = DEFAULT_STORE, *, replace: bool = False,
                 locked: bool = False) -> Path:
    """Store `result` under its identity; raises ResultExists if that identity is stored and not `replace`.

    `locked=True` means the caller already holds `store_lock(store)`.
    """
    identity = result.get("identity") or identity_of(result)
    result = {**result, "identity": identity, "identity_key": identity_key(identity)}
    path = result_path(store, identity)
    with contextlib.nullcontext() if locked else store_lock(store):
        if path.is_file() and not replace:
            raise ResultExists(path)
        return write_json_atomic(path, result)


# ------------------------------------------------------------------------------------------ reading
RESULT_FIELDS: dict[str, type | tuple[type, ...]] = {"method": str, "run_id": str, "split": str, "scores": dict}


def check_result(raw: Any) -> str | None:
    """Why `raw` is not a result (None if it is one)."""
    if not isinstance(raw, dict):
        return f"not a JSON object but {type(raw).__name__}"
    for key, kind in RESULT_FIELDS.items():
        if key not in raw:
            return f"not a react-bench result (no {key!r})"
        if not isinstance(raw[key], kind):
            return f"{key!r} is {type(raw[key]).__name__}, not {getattr(kind, '__name__', kind)}"
    bad = [k for k, v in raw["scores"].items() if v is not None and not isinstance(v, (int, float))]
    if bad:
        return f"non-numeric scores {bad}"
    if not isinstance(raw.get("n_samples", 10), int) or isinstance(raw.get("n_samples"), bool):
        return "'n_samples' is not an integer"
    return None


def load_results(store: Path = DEFAULT_STORE,
                 on_problem: Callable[[StoreProblem], None] | None = None) -> list[dict[str, Any]]:
    """Every result under the store, upgraded to the current schema, oldest first.

    Files that are not results (corrupt JSON, foreign objects) are skipped and reported to
    `on_problem`; by default each becomes a warning naming the file.
    """
    report = on_problem or (lambda problem: warnings.warn(f"skipped {problem}", stacklevel=3))
    results = []
    for file in sorted(Path(store).glob("*/*/*.json")):
        try:
            raw = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            report(StoreProblem(file, f"not readable JSON ({error})"))
            continue
        raw = _with_flat_scores(raw)
        reason = check_result(raw)
        if reason is not None:
            report(StoreProblem(file, reason))
            continue
        upgraded = upgrade_result(raw)
        upgraded["_path"] = str(file)
        results.append(upgraded)
    return sorted(results, key=lambda r: r.get("date") or "")


def _with_flat_scores(raw: Any) -> Any:
    """Schema 0 (pre-release) kept the scores at the top level; give it a `scores` block."""
    if isinstance(raw, dict) and "scores" not in raw and int(raw.get("schema_version") or 0) < 1:
        return {**raw, "scores": {k: v for k, v in raw.items() if k[:2] in ("FR", "PC", "Sy")}}
    return raw


def upgrade_result(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring a result of any known schema version to the current one (add steps here)."""
    result = dict(_with_flat_scores(raw))
    version = int(result.get("schema_version") or 0)
    if version < 1:  # pre-release files: flat scores, no per-sample block
        result.setdefault("per_sample", {})
        result.setdefault("skipped", {})
        result.setdefault("dataset", {"name": raw.get("dataset_name", "unknown"),
                                      "fingerprint": raw.get("dataset_fingerprint", "")})
    if version < 2:  # schema 2 added the identity and the prediction/weight hashes
        result.setdefault("n_samples", 10)
        result["identity"] = identity_of(result)
        result.setdefault("predictions_sha256", None)
        result.setdefault("weights_sha256", None)
    result["schema_version"] = SCHEMA_VERSION
    return result


def _jsonable(value: Any) -> Any:
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")

"""The results store: one self-describing JSON per (method, run, split).

Path: `<store>/<method>/<run-id>/<split>.json`. Writes are atomic. `load_results` upgrades files
written by older schema versions, so old results keep loading.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


SCHEMA_VERSION = 1
DEFAULT_STORE = Path("leaderboard") / "results"


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


def result_path(store: Path, method: str, run_id: str, split: str) -> Path:
    return Path(store) / safe_name(method) / safe_name(run_id) / f"{safe_name(split)}.json"


def safe_name(text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_.+" else "_" for c in text)
    return cleaned.strip(".") or "_"


def write_json_atomic(path: Path, payload: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle, indent=1, sort_keys=False, default=_jsonable)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_result(result: dict[str, Any], store: Path = DEFAULT_STORE) -> Path:
    return write_json_atomic(result_path(store, result["method"], result["run_id"], result["split"]), result)


def load_results(store: Path = DEFAULT_STORE) -> list[dict[str, Any]]:
    """Every result under the store, upgraded to the current schema, oldest first."""
    results = []
    for file in sorted(Path(store).glob("*/*/*.json")):
        try:
            raw = json.loads(file.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(raw, dict) and "method" in raw:
            upgraded = upgrade_result(raw)
            upgraded["_path"] = str(file)
            results.append(upgraded)
    return sorted(results, key=lambda r: r.get("date") or "")


def upgrade_result(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring a result of any known schema version to the current one (add steps here)."""
    result = dict(raw)
    version = int(result.get("schema_version", 0))
    if version < 1:  # pre-release files: flat scores, no per-sample block
        result.setdefault("scores", {k: v for k, v in raw.items() if k[:2] in ("FR", "PC", "Sy")})
        result.setdefault("per_sample", {})
        result.setdefault("skipped", {})
        result.setdefault("dataset", {"name": raw.get("dataset_name", "unknown"),
                                      "fingerprint": raw.get("dataset_fingerprint", "")})
        result["schema_version"] = 1
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

"""Jobs of an experiment: one (row, seed) each, keyed by content so that reruns skip what is done.

The key hashes what determines a job's result: the registry name, the method's *resolved* config
(defaults included, so a changed default is a new job), the dataset fingerprint, split, seed,
sample count, whether FRRea is scored, the metric versions and react-bench's version. A job's
result carries ``job.key``; a job whose key is in the store is done.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import ReactBenchError
from ..results import load_results, metric_versions, safe_name
from .spec import ExperimentSpec, Row

DEFAULT_SECONDS = {"trained": 180.0, "other": 60.0}   # a dry-run guess when nothing was measured yet
SMOKE_SECONDS = {"trained": 10.0, "other": 3.0}       # the smoke profile's (2 CPU cores, 2026-12-07)


@dataclass
class Job:
    row: Row
    seed: int
    key: str
    run_id: str
    method_config: dict[str, Any]
    trained: bool
    status: str = "todo"            # todo | done | failed
    result: dict[str, Any] | None = None
    train_key: str | None = None    # jobs with equal train keys can share one trained model

    @property
    def name(self) -> str:
        return f"{self.row.label} / seed {self.seed}"


@dataclass
class Plan:
    spec: ExperimentSpec
    jobs: list[Job]
    unavailable: dict[tuple[str, str], str] = field(default_factory=dict)   # (group, label) -> why
    dataset_fingerprint: str = ""
    row_jobs: dict[tuple[str, str], list[Job]] = field(default_factory=dict)  # (group, label) -> its jobs
    rows: list[Row] = field(default_factory=list)
    data_name: str = ""                                                         # the dataset it ran on
    profile: str | None = None                                                  # its synthetic profile

    @property
    def todo(self) -> list[Job]:
        return [j for j in self.jobs if j.status == "todo"]

    @property
    def done(self) -> list[Job]:
        return [j for j in self.jobs if j.status == "done"]


def row_availability(row: Row, profile: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """(the row's resolved method config, None) if the row can run here, else (None, why not).

    Methods that register a cheap config resolver are not instantiated (no torch import: the
    table command stays fast); others are built as `run` would build them."""
    from ..methods import METHODS, method_names
    from ..pipeline import build_method

    try:
        method_names()
        resolver = METHODS.config_resolver(row.method)
        if resolver is not None:
            config = dict(row.config)
            config.setdefault("profile", profile or "paper")
            try:
                resolved = resolver(**config)
            except (TypeError, ValueError) as error:
                raise ReactBenchError(f"cannot build method {row.method!r} with config {config}: {error}") from None
            resolved.pop("resume", None)
            return resolved, None
        return resolved_config(build_method(row.method, profile, row.config, resume=False)), None
    except ReactBenchError as error:
        return None, str(error).split("\n")[0]


def resolved_config(method: Any) -> dict[str, Any]:
    """A built method's config as a dict, without run-time switches such as resume."""
    config = getattr(method, "config", None)
    if hasattr(config, "to_dict"):
        out = dict(config.to_dict())
        out.pop("resume", None)             # how a job runs, not what it computes
        return out
    return dict(config) if isinstance(config, dict) else {}


def job_key(row: Row, config: dict[str, Any], fingerprint: str, split: str, seed: int, n_samples: int,
            frrea: bool) -> str:
    content = {"method": row.method.lower(), "config": config, "dataset_fingerprint": fingerprint,
               "split": split, "seed": int(seed), "n_samples": int(n_samples), "frrea": bool(frrea),
               "metric_versions": metric_versions(), "react_bench_version": __version__}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def stored_jobs(store: Path) -> dict[str, dict[str, Any]]:
    """Results in the store that an experiment job wrote, by job key (the newest wins)."""
    found: dict[str, dict[str, Any]] = {}
    for result in load_results(store, on_problem=lambda problem: None):
        key = (result.get("job") or {}).get("key")
        if key:
            found[key] = result
    return found


def plan_jobs(spec: ExperimentSpec, *, fingerprint: str, data_name: str, profile: str | None,
              store: Path, seeds: list[int] | None = None, frrea: bool | None = None,
              key_fingerprint: str | None = None) -> Plan:
    """Every (row, seed) job with its key and whether the store already holds its result.

    ``fingerprint`` is the evaluated split's (what results record); ``key_fingerprint``, if given,
    goes into the job keys instead: the whole dataset's, so that on real data (one fingerprint per
    split) an edited train split makes the trained jobs new. A synthetic dataset has one
    fingerprint for all splits, so its keys are the same either way.

    Rows that share method and config are one job per seed (e.g. the full model in each Table 2
    group). Rows that cannot run (method not registered, unknown variant) are `unavailable`."""
    from ..methods import METHODS

    seeds = list(seeds or spec.seeds)
    frrea = spec.frrea if frrea is None else frrea
    done = stored_jobs(store)
    plan = Plan(spec, [], dataset_fingerprint=fingerprint, data_name=data_name, profile=profile)
    seen: dict[str, Job] = {}
    plan.rows = spec.resolved_rows()
    for row in plan.rows:
        config, why = row_availability(row, profile)
        if config is None:
            plan.unavailable[(row.group, row.label)] = why or "not available"
            continue
        entry = METHODS.entry(row.method)
        trained = "trained" in entry.tags
        jobs = plan.row_jobs.setdefault((row.group, row.label), [])
        training = {k: v for k, v in config.items() if k not in entry.inference_fields}
        for seed in seeds:
            keyed = key_fingerprint or fingerprint
            key = job_key(row, config, keyed, spec.split, seed, spec.n_samples, frrea)
            train_key = (job_key(row, training, keyed, "train", seed, 0, False)
                         if trained and entry.inference_fields else None)
            if key not in seen:
                name = safe_name(row.method if config.get("variant", "default") == "default"
                                 else f"{row.method}-{config['variant']}")
                run_id = safe_name(f"x-{name}-{data_name}-{spec.split}-seed{seed}-{key[:10]}")
                seen[key] = Job(row, seed, key, run_id, dict(row.config), trained, train_key=train_key)
                plan.jobs.append(seen[key])
            jobs.append(seen[key])
    mark_stored(plan, done)
    return plan


def mark_stored(plan: Plan, stored: dict[str, dict[str, Any]]) -> None:
    """Each job is done (with its result) if ``stored`` (``stored_jobs``) holds its key, else todo."""
    for job in plan.jobs:
        if job.key in stored:
            job.status, job.result = "done", stored[job.key]
        else:
            job.status, job.result = "todo", None


def estimate_seconds(plan: Plan, store_results: list[dict[str, Any]] | None = None) -> float:
    """Time left: per method, the mean measured fit+predict+score seconds of stored results on the
    same dataset (this plan's done jobs, and ``store_results``: any run's, e.g. `react-bench run`);
    else DEFAULT_SECONDS (SMOKE_SECONDS on the smoke profile)."""
    measured: dict[str, list[float]] = {}
    done = [(job.row.method, job.result) for job in plan.done]
    # a stored result names its method as the method calls itself (REGNN variants: regnn-video-only)
    done += [(str(r.get("method", "")).split("-")[0], r) for r in store_results or []
             if (r.get("dataset") or {}).get("fingerprint") == plan.dataset_fingerprint]
    for method, result in done:
        seconds = (result or {}).get("seconds") or {}
        total = sum(v for v in seconds.values() if isinstance(v, (int, float)))
        if total:
            measured.setdefault(method.lower(), []).append(total)
    defaults = SMOKE_SECONDS if plan.profile == "smoke" else DEFAULT_SECONDS
    left = 0.0
    for job in (j for j in plan.jobs if j.status != "done"):     # a failed job is run again
        values = measured.get(job.row.method.lower())
        left += (sum(values) / len(values)) if values else defaults["trained" if job.trained else "other"]
    return left

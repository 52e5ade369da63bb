"""`react-bench experiment run`: plan the jobs of a spec, skip what the store already holds, run
the rest through an executor, and summarise. Every job goes through ``pipeline.run_method``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..pipeline import DataSource, OutputPaths
from .execute import JobOutcome, job_payload, outcomes
from .jobs import Plan, estimate_seconds, mark_stored, plan_jobs, stored_jobs
from .outputs import mark_failures, read_failures, record_failures
from .spec import ExperimentSpec

Log = Callable[[str], None]


@dataclass
class RunSummary:
    plan: Plan
    ran: list[JobOutcome] = field(default_factory=list)
    skipped: int = 0
    wall_seconds: float = 0.0
    interrupted: bool = False

    @property
    def failed(self) -> list[JobOutcome]:
        return [o for o in self.ran if o.status != "ok"]

    def lines(self) -> list[str]:
        ok = sum(o.status == "ok" for o in self.ran)
        out = [f"experiment {self.plan.spec.name}: {ok} job(s) run, {self.skipped} skipped (already in the store), "
               f"{len(self.failed)} failed, {len(self.plan.unavailable)} row(s) not available; "
               f"wall time {self.wall_seconds:.0f} s" + ("; interrupted" if self.interrupted else "")]
        for o in self.failed:
            out.append(f"  failed: {o.error}  (log: {o.log})")
        for (group, label), why in self.plan.unavailable.items():
            out.append(f"  not available: {group + ' / ' if group else ''}{label}: {why}")
        return out


def dataset_fingerprint_of(source: DataSource, split: str | None) -> str:
    """One split's fingerprint; None: the whole dataset's (every split; data.reader.dataset_fingerprint)."""
    from ..data.reader import dataset_fingerprint

    return dataset_fingerprint(source.root, split)


def make_plan(spec: ExperimentSpec, source: DataSource, store: Path, seeds: list[int] | None = None,
              frrea: bool | None = None, runs: Path | None = None) -> Plan:
    """The jobs with their state: done (in the store), failed (last run, `runs` given) or todo."""
    plan = plan_jobs(spec, fingerprint=dataset_fingerprint_of(source, spec.split), data_name=source.name,
                     profile=source.profile, store=store, seeds=seeds, frrea=frrea,
                     key_fingerprint=dataset_fingerprint_of(source, None))
    if runs is not None:
        mark_failures(plan, read_failures(runs, spec.name))
    return plan


def refresh_plan(plan: Plan, store: Path, runs: Path | None = None) -> Plan:
    """The same plan with its job states re-read from the store (after a run); its rows and keys
    are not resolved again."""
    mark_stored(plan, stored_jobs(store))
    if runs is not None:
        mark_failures(plan, read_failures(runs, plan.spec.name))
    return plan


def dry_run_lines(plan: Plan, store_results: list[dict[str, Any]] | None = None) -> list[str]:
    failed = sum(job.status == "failed" for job in plan.jobs)
    to_run = len(plan.jobs) - len(plan.done)               # a failed job is run again
    lines = [f"experiment {plan.spec.name}: {len(plan.jobs)} job(s), {len(plan.done)} done, {to_run} to run"
             + (f" ({failed} failed in the last run)" if failed else "")
             + f"; estimated time left {estimate_seconds(plan, store_results) / 60:.1f} min (one job at a time)"]
    status = {"done": "done", "failed": "failed last run", "todo": "todo"}
    for job in plan.jobs:
        lines.append(f"  [{status.get(job.status, job.status)}] {job.row.group} / {job.name}  "
                     f"({job.row.method} {job.row.config_json}) key {job.key[:12]}")
    for (group, label), why in plan.unavailable.items():
        lines.append(f"  [not available] {group} / {label}: {why}")
    return lines


def training_phases(payloads: list[dict]) -> list[list[dict]]:
    """Two phases: the first job of each training (and every job that trains nothing shared), then
    the jobs that reuse a training from phase one, so parallel workers never train one model twice."""
    first, later, seen = [], [], set()
    for payload in payloads:
        key = payload.get("train_key")
        if key and key in seen:
            later.append(payload)
        else:
            first.append(payload)
            if key:
                seen.add(key)
    return [phase for phase in (first, later) if phase]


def paper_schedule_rows(plan: Plan, device: str) -> list[str]:
    """Labels of the trained rows still to run that will train their paper schedule on a CPU: on
    real data a trained method's profile is paper unless its row's config names one."""
    if plan.profile is not None or device != "cpu":
        return []
    return sorted({job.row.label for job in plan.todo if job.trained and "profile" not in job.row.config})


def run_experiment(spec: ExperimentSpec, source: DataSource, *, paths: OutputPaths | None = None,
                   seeds: list[int] | None = None, device: str = "cpu", executor: str = "local", jobs: int = 1,
                   address: str | None = None, frrea: bool | None = None, log: Log = print,
                   progress: Callable[..., None] | None = None, plan: Plan | None = None) -> RunSummary:
    """Run the jobs the store lacks; a failing job is reported and the others go on. ``plan``: this
    experiment's plan if the caller has just made it (make_plan with the same arguments)."""
    from ..pipeline import resolve_device

    paths = paths or OutputPaths.from_env()
    device = resolve_device(device)
    tick = time.perf_counter()
    plan = plan or make_plan(spec, source, paths.results, seeds, frrea)
    summary = RunSummary(plan, skipped=len(plan.done))
    paper = paper_schedule_rows(plan, device)
    if paper:
        log(f"warning: on real data and a CPU, these rows train their paper schedule (hours each; the "
            f"original's epochs): {', '.join(paper)}. Give them a profile in the spec, e.g. config: "
            "{profile: small}")
    fid = spec.frrea if frrea is None else frrea
    log_dir = Path(paths.runs) / "experiments" / spec.name / "logs"
    payloads = [job_payload(j, spec_name=spec.name, source=source, paths=paths, device=device, fid=fid,
                            n_samples=spec.n_samples, split=spec.split, log_dir=log_dir) for j in plan.todo]
    total = len(payloads)
    if progress is not None:
        progress("jobs", 0, total, f"{summary.skipped} skipped")
    inner = progress if (executor == "local" and jobs <= 1) else None
    try:
        n = 0
        for phase in training_phases(payloads):
            for outcome in outcomes(phase, executor, jobs, device, address, inner):
                n += 1
                summary.ran.append(outcome)
                job = next(j for j in plan.todo if j.key == outcome.key)
                status = "ok" if outcome.status == "ok" else f"FAILED ({outcome.log})"
                log(f"[{n}/{total}] {job.row.group} / {job.name}: {status} in {outcome.seconds:.0f} s")
                if progress is not None:
                    progress("jobs", n, total, f"{len(summary.failed)} failed" if summary.failed else "")
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        record_failures(paths.runs, spec.name, {o.key: o.log for o in summary.failed},
                        [o.key for o in summary.ran if o.status == "ok"])
    summary.wall_seconds = time.perf_counter() - tick
    return summary

"""Running jobs: in this process, in N local processes, or as Ray tasks. Every path calls
``pipeline.run_method`` through :func:`execute_job`, a plain function of a JSON-able payload, so
that a job runs the same wherever it runs (docs/experiments.md)."""

from __future__ import annotations

import os
import socket
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

from ..methods.config import COMPILE_ENV, compile_mode
from ..results import write_json_atomic

EXECUTORS = ("local", "ray")
Progress = Callable[..., None]


@dataclass
class JobOutcome:
    key: str
    status: str                 # ok | failed | interrupted
    seconds: float
    log: str
    error: str = ""
    result_path: str = ""


def job_payload(job: Any, *, spec_name: str, source: Any, paths: Any, device: str, fid: bool,
                n_samples: int, split: str, log_dir: Path) -> dict[str, Any]:
    """Everything a worker needs, as plain data with absolute paths (Ray workers may start
    elsewhere; a multi-machine cluster needs these paths on a shared filesystem). ``compile`` is the
    runner's REACT_BENCH_COMPILE mode, which the worker applies (Ray workers do not inherit it)."""
    return {
        "key": job.key, "train_key": job.train_key, "run_id": job.run_id, "method": job.row.method, "config": job.method_config,
        "seed": job.seed, "label": job.row.label, "experiment": spec_name, "device": device, "fid": fid,
        "n_samples": n_samples, "split": split,
        "data": {"root": str(Path(source.root).resolve()), "name": source.name, "profile": source.profile},
        "paths": {k: str(Path(getattr(paths, k)).resolve()) for k in ("submissions", "runs", "results")},
        "log": str((Path(log_dir) / f"{job.run_id}.log").resolve()),
        "compile": compile_mode(),
    }


def execute_job(payload: dict[str, Any], progress: Progress | None = None) -> JobOutcome:
    """Fit, predict and score one job through the pipeline; never raises for a job's own failure
    (the outcome says so and its log holds the traceback). Ctrl-C is re-raised."""
    from ..pipeline import DataSource, RunInterrupted, run_method

    tick = time.perf_counter()
    # the runner's compile mode, in this worker too (compared raw: a bad worker value must not raise
    # here; unchanged when equal, so an in-process run leaves the runner's environment as it was)
    wanted = payload.get("compile") or "off"
    if (os.environ.get(COMPILE_ENV) or "off") != wanted:
        os.environ[COMPILE_ENV] = wanted
    log_path = Path(payload["log"])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    paths = {k: Path(v) for k, v in payload["paths"].items()}
    run_dir = paths["runs"] / payload["run_id"]
    submission_dir = paths["submissions"] / payload["run_id"]
    if submission_dir.is_dir() and not run_dir.is_dir():
        run_dir.mkdir(parents=True)
    shared = reuse_training(payload, paths["runs"], run_dir)
    resume = payload["run_id"] if run_dir.is_dir() else None   # a job killed mid-way continues
    with open(log_path, "a") as log_file:
        def log(message: str) -> None:
            log_file.write(message + "\n")
            log_file.flush()

        log(f"# job {payload['experiment']} / {payload['label']} / seed {payload['seed']} key {payload['key']}")
        if shared:
            log(f"training shared with run {shared.name} (same training config and seed): its final "
                "checkpoint was copied here, so fit() only loads it")
        elif resume:
            log(f"resuming run {resume} from {run_dir}")
        source = DataSource(Path(payload["data"]["root"]), payload["data"]["name"], payload["data"]["profile"])
        job_meta = {"key": payload["key"], "experiment": payload["experiment"], "label": payload["label"],
                    "seed": payload["seed"], "config": payload["config"]}
        try:
            with native_stdout_to(log_file):
                outcome = run_method(payload["method"], source, payload["split"], seed=payload["seed"],
                                     device=payload["device"], n_samples=payload["n_samples"],
                                     submissions=paths["submissions"], store=paths["results"], runs=paths["runs"],
                                     fid=payload["fid"], method_config=payload["config"], resume=resume,
                                     run_id=None if resume else payload["run_id"], leaderboard=None, log=log,
                                     progress=progress, result_extra={"job": job_meta})
        except (KeyboardInterrupt, RunInterrupted):    # run_method turns Ctrl-C into RunInterrupted
            log("interrupted")
            raise KeyboardInterrupt from None
        except BaseException as error:          # a failing job never stops the others
            log(traceback.format_exc())
            return JobOutcome(payload["key"], "failed", time.perf_counter() - tick, str(log_path),
                              f"{type(error).__name__}: {error}".split("\n")[0])
    if payload.get("train_key"):
        index = trained_index(paths["runs"], payload["train_key"])
        index.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(index, {"run_dir": str(run_dir), "run_id": payload["run_id"]})
    path = outcome.score.path if outcome.score is not None else None
    return JobOutcome(payload["key"], "ok", time.perf_counter() - tick, str(log_path), result_path=str(path or ""))


@contextmanager
def native_stdout_to(log_file: IO[str]) -> Iterator[None]:
    """Send what native libraries print on the process's standard output (oneMKL's "Intel oneMKL
    ERROR: Parameter 4 was incorrect" when a diverging job feeds NaNs to LAPACK) to the job's log
    instead of the runner's terminal. Python's own sys.stdout is left alone. A no-op where standard
    output has no file descriptor."""
    libc = _libc()
    saved: int | None = None
    try:
        target = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
        log_file.flush()
        saved = os.dup(target)
        os.dup2(log_file.fileno(), target)
    except (OSError, ValueError, AttributeError):     # no file descriptor to redirect: leave it
        if saved is not None:
            os.close(saved)
        saved = None
    try:
        yield
    finally:
        if saved is not None:
            if libc is not None:
                libc.fflush(None)            # C stdio's buffer goes to the log, not later to the terminal
            os.dup2(saved, target)
            os.close(saved)


def _libc() -> Any:
    """The C library, for fflush; None where there is none to load (Windows: CDLL(None) raises)."""
    try:
        import ctypes

        return ctypes.CDLL(None)
    except Exception:                        # noqa: BLE001 - any failure means: no flush
        return None


def trained_index(runs: Path, train_key: str) -> Path:
    """Where a finished job records the run folder holding its trained model."""
    return Path(runs) / "experiments" / "trained" / f"{train_key[:32]}.json"


def reuse_training(payload: dict[str, Any], runs: Path, run_dir: Path) -> Path | None:
    """A job whose training config and seed equal a finished job's (they differ only in sampling
    settings, e.g. a sigma sweep) starts from that job's final checkpoint: its run folder's files
    (not model/ or run.json) are copied in, and the run resumes, so fit() trains no further epoch.
    Returns the source run folder, or None."""
    import json
    import shutil

    from ..pipeline import RUN_REQUEST

    key = payload.get("train_key")
    if not key or (run_dir / "checkpoint.pt").exists():
        return None
    try:
        source = Path(json.loads(trained_index(runs, key).read_text())["run_dir"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if source == run_dir or not (source / "checkpoint.pt").is_file():
        return None
    run_dir.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.is_file() and item.name not in ("run.json", RUN_REQUEST):   # the job records its own request
            shutil.copy2(item, run_dir / item.name)
    return source


def _limit_threads(threads: int) -> None:
    """Worker initializer: cap BLAS, OpenMP, numba and torch threads (cores / jobs), and on Linux
    ask to be terminated when the runner dies (a killed runner leaves no orphan training)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = str(threads)
    import torch

    torch.set_num_threads(threads)


def run_local(payloads: list[dict[str, Any]], jobs: int = 1,
              progress: Progress | None = None) -> Iterator[JobOutcome]:
    """Jobs one after another in this process (the current job's bars show), or `jobs` at a time
    in spawned processes, each capped at cores / jobs threads."""
    if jobs <= 1:
        for payload in payloads:
            yield execute_job(payload, progress)
        return
    import multiprocessing

    threads = max(1, (os.cpu_count() or 1) // jobs)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_limit_threads, initargs=(threads,)) as pool:
        yield from _as_completed({pool.submit(execute_job, p): p for p in payloads})


def _as_completed(futures: dict[Future, dict[str, Any]]) -> Iterator[JobOutcome]:
    pending = set(futures)
    while pending:
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            try:
                yield future.result()
            except Exception as error:          # the worker process itself died
                payload = futures[future]
                yield JobOutcome(payload["key"], "failed", 0.0, payload["log"], f"worker died: {error}")


def check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Refuse a Ray address whose host does not answer on its port within `timeout_s`: ray.init
    itself retries an unreachable head for minutes. "auto", "local" and addresses without a port
    are left to Ray."""
    from urllib.parse import urlsplit

    from ..errors import ReactBenchError

    if address in ("auto", "local"):
        return
    try:
        parts = urlsplit(address if "://" in address else f"ray://{address}")
        host, port = parts.hostname, parts.port
    except ValueError:                       # a port that is no number or out of range
        raise ReactBenchError(f"the Ray address {address!r} is not host:port (or ray://host:port)") from None
    if not host or port is None:
        return
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as error:
        raise ReactBenchError(f"cannot connect to a Ray cluster at {address!r}: {host}:{port} did not answer "
                              f"within {timeout_s:g} s ({error.strerror or type(error).__name__}); start one with "
                              "`ray start --head`, or leave --address and RAY_ADDRESS unset for a local Ray") from None


def run_ray(payloads: list[dict[str, Any]], address: str | None = None, device: str = "cpu",
            cpus_per_job: int = 1) -> Iterator[JobOutcome]:
    """Each job a Ray task: num_gpus=1 for a CUDA job, else `cpus_per_job` CPUs. Connects to
    `address` (or $RAY_ADDRESS); without one, starts a local Ray instance."""
    try:
        import ray
    except ImportError:
        from ..errors import ReactBenchError

        raise ReactBenchError("--executor ray needs Ray: pip install 'react-bench[ray]'") from None
    address = address or os.environ.get("RAY_ADDRESS")
    started_here = not ray.is_initialized()
    if started_here and address:
        check_reachable(address)
    if started_here:
        kwargs: dict[str, Any] = {"address": address} if address else {"num_cpus": os.cpu_count() or 1}
        try:
            ray.init(include_dashboard=False, log_to_driver=False, **kwargs)
        except (ConnectionError, TimeoutError, RuntimeError, ValueError) as error:
            from ..errors import ReactBenchError

            raise ReactBenchError(f"cannot connect to a Ray cluster at {address!r} ({type(error).__name__}: "
                                  f"{str(error).splitlines()[0][:200] if str(error) else ''}); start one with "
                                  "`ray start --head`, or leave --address and RAY_ADDRESS unset for a local Ray") from None
    try:
        cuda = device.startswith("cuda")
        task = ray.remote(_ray_job).options(num_gpus=1 if cuda else 0, num_cpus=cpus_per_job, max_retries=0)
        refs = {task.remote(p, cpus_per_job): p for p in payloads}
        pending = list(refs)
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                try:
                    yield ray.get(ref)
                except Exception as error:      # the task itself crashed (worker died, OOM)
                    payload = refs[ref]
                    yield JobOutcome(payload["key"], "failed", 0.0, payload["log"], f"ray task failed: {error}")
    finally:
        if started_here and not address:
            ray.shutdown()


def _ray_job(payload: dict[str, Any], threads: int) -> JobOutcome:
    _limit_threads(threads)
    return execute_job(payload)


def outcomes(payloads: list[dict[str, Any]], executor: str, jobs: int, device: str, address: str | None,
             progress: Progress | None) -> Iterable[JobOutcome]:
    if executor == "local":
        return run_local(payloads, jobs, progress)
    if executor == "ray":
        return run_ray(payloads, address, device, cpus_per_job=max(1, (os.cpu_count() or 1) // max(jobs, 1))
                       if jobs > 1 else 1)
    from ..errors import ReactBenchError

    raise ReactBenchError(f"unknown executor {executor!r}; use one of {', '.join(EXECUTORS)}")

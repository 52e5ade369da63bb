"""What `react-bench run` and `react-bench score` do, as plain functions the CLI calls."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import __version__
from .constants import N_SAMPLES
from .data.default import DEFAULT_PROFILE, default_dataset_root
from .data.layout import matrix_path
from .data.reader import load_split
from .data.split import SplitData
from .devices import device_name
from .errors import DataError, ReactBenchError
from .methods.config import compile_mode
from .results import (DEFAULT_STORE, ResultExists, array_sha256, existing_result, files_sha256, git_sha, now_iso,
                      result_identity, safe_name, store_lock, write_json_atomic, write_result)

Progress = Callable[[str, int, int], None]
DEFAULT_SUBMISSIONS = Path("submissions")
DEFAULT_RUNS = Path("runs")  # checkpoints, configs and curves of each run (git-ignored)


@dataclass
class OutputPaths:
    """Where runs write; relative to the working directory unless the environment says otherwise."""

    submissions: Path
    runs: Path
    results: Path
    leaderboard: Path
    experiments: Path = Path("leaderboard/experiments")

    @classmethod
    def from_env(cls) -> "OutputPaths":
        """REACT_BENCH_EXPERIMENTS moves the experiment tables; without it they go beside
        LEADERBOARD.md (so REACT_BENCH_LEADERBOARD alone keeps trials out of the checkout's tables)."""
        env = os.environ.get
        leaderboard = Path(env("REACT_BENCH_LEADERBOARD", "leaderboard/LEADERBOARD.md"))
        return cls(Path(env("REACT_BENCH_SUBMISSIONS", str(DEFAULT_SUBMISSIONS))),
                   Path(env("REACT_BENCH_RUNS", str(DEFAULT_RUNS))),
                   Path(env("REACT_BENCH_RESULTS", str(DEFAULT_STORE))),
                   leaderboard, Path(env("REACT_BENCH_EXPERIMENTS", str(leaderboard.parent / "experiments"))))


@dataclass
class DataSource:
    root: Path
    name: str          # e.g. "synth-small-seed0" or the folder name of real data
    profile: str | None = None


def resolve_data(data: Path | None, profile: str | None, data_seed: int = 0,
                 progress: Progress | None = None) -> DataSource:
    """Real data at `data`, else the synthetic profile (default: small), generated once and cached."""
    if data is not None and profile is not None:
        raise DataError("give either --data or --profile, not both")
    if data is not None:
        root = Path(data)
        if not root.is_dir():
            raise DataError(f"dataset folder not found: {root}")
        return DataSource(root, root.resolve().name)
    profile = profile or DEFAULT_PROFILE
    root = default_dataset_root(profile, data_seed, progress=progress)
    return DataSource(root, synthetic_data_name(profile, data_seed), profile)


def synthetic_data_name(profile: str, seed: int = 0) -> str:
    """A synthetic dataset's name in results, run ids and requests (``synth-small-seed0``)."""
    return f"synth-{profile}-seed{seed}"


def resolve_device(device: str) -> str:
    """The checked device name (``devices.device_name``), before any work."""
    return device_name(device)


def environment_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "react_bench": __version__}
    for module in ("numpy", "torch", "numba", "scipy"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            pass
    return versions


@dataclass
class ScoreOutcome:
    result: dict[str, Any]
    path: Path | None


def score_predictions(predictions: np.ndarray, split: SplitData, *, device: str = "cpu",
                      fid: bool = True, fid_weights: Path | None = None,
                      progress: Progress | None = None) -> dict[str, Any]:
    """All metrics on arrays already aligned with `split`; returns the scores part of a result."""
    from .metrics import score_arrays_timed

    if split.appropriate is None:
        raise DataError(f"split {split.name!r} has no appropriateness matrix "
                        f"(neighbour_emotion_{split.name}.npy); it cannot be scored")
    directions: dict[str, np.ndarray] = {}
    scores, group_seconds = score_arrays_timed(predictions, split.listener, split.speaker, split.appropriate,
                                               device=device, progress=progress, per_direction=directions)
    from .metrics import METRIC_GROUPS

    # metrics computed together (e.g. "FRCorr+PCC") share one timing
    timing = {metric: seconds for group, seconds in group_seconds.items() for metric in METRIC_GROUPS[group]}
    skipped: dict[str, str] = {}
    fid_info: dict[str, Any] = {}
    value = None
    if fid:
        from .fid import compute_frrea

        fid_progress = None if progress is None else (lambda done, total: progress("FRRea", done, total))
        frrea = compute_frrea(predictions, split.listener, device=device, weights=fid_weights,
                              progress=fid_progress)
        value, timing["FRRea"] = frrea.value, frrea.seconds
        if frrea.skipped:
            skipped["FRRea"] = frrea.skipped
        # the file name and where it was found, not the machine's absolute path
        fid_info = {"weights_file": Path(frrea.weights_path).name if frrea.weights_path else None,
                    "weights_source": getattr(frrea, "weights_source", None),
                    "weights_sha256": frrea.weights_sha256,
                    "weights_content_sha256": getattr(frrea, "weights_content_sha256", None),
                    "n_images": frrea.n_images, "frame_step": frrea.frame_step,
                    "max_frames": getattr(frrea, "max_frames", None)}
    else:
        skipped["FRRea"] = "disabled (--no-fid)"
    # table columns (PCC and Synchrony_nan_safe are react-bench's, not official; metrics/meta.py)
    official = {k: scores[k] for k in ("FRDist", "FRCorr", "PCC", "FRVar", "FRDvs", "FRDiv", "Synchrony",
                                       "Synchrony_nan_safe")}
    official["FRRea"] = value
    per_sample = {k: scores[k] for k in ("FRCorr_per_sample", "FRDist_per_sample", "Synchrony_all_samples")}
    diagnostics = {"Synchrony_saturated_share": scores["Synchrony_saturated_share"]}
    scored = {"scores": official, "per_sample": per_sample, "diagnostics": diagnostics, "skipped": skipped,
              "timing_s": timing, "fid": fid_info}
    oracle = oracle_scores_for(predictions, split, progress, per_direction=directions)
    if oracle is not None:
        timing["oracle"] = oracle.pop("seconds")
        scored["oracle"] = oracle
    # per-direction values of every mean-over-directions metric, in the split's direction order
    # (experiment tables bootstrap their confidence intervals from these; docs/experiments.md)
    scored["per_direction"] = {k: [float(f"{v:.7g}") for v in np.asarray(values, np.float64)]
                               for k, values in directions.items()}
    return scored


def oracle_scores_for(predictions: np.ndarray, split: SplitData, progress: Progress | None = None,
                      per_direction: dict[str, np.ndarray] | None = None) -> dict[str, Any] | None:
    """Oracle metrics (react_bench.metrics.oracle) when the split's dataset has counterfactuals."""
    from .data.ground_truth import load_counterfactuals
    from .metrics.oracle import oracle_scores

    root = (split.meta or {}).get("root")
    loaded = load_counterfactuals(root, split.name, split.n_directions) if root else None
    if loaded is None:
        return None
    if progress is not None:
        progress("oracle metrics", 0, 1)
    tick = time.perf_counter()
    values = oracle_scores(predictions, *loaded, per_direction=per_direction)
    if progress is not None:
        progress("oracle metrics", 1, 1)
    return {**values, "seconds": time.perf_counter() - tick}


def build_result(*, method: str, run_id: str, split: SplitData, source: DataSource, n_samples: int,
                 scored: dict[str, Any], device: str, fid: bool, predictions_sha256: str,
                 weights_sha256: str | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    from .results import SCHEMA_VERSION

    identity = result_identity(method=method, run_id=run_id, dataset_fingerprint=split.fingerprint,
                               split=split.name, n_samples=n_samples, frrea=fid)
    result = {
        "schema_version": SCHEMA_VERSION,
        "identity": identity,
        "react_bench_version": __version__,
        "git_sha": git_sha(),
        "method": method,
        "run_id": run_id,
        "dataset": {"name": source.name, "profile": source.profile, "fingerprint": split.fingerprint},
        "split": split.name,
        "n_directions": split.n_directions,
        "n_samples": n_samples,
        **scored,
        "predictions_sha256": predictions_sha256,
        "weights_sha256": weights_sha256,
        "fid_weights_sha256": (scored.get("fid") or {}).get("weights_sha256"),
        "device": device,
        "versions": environment_versions(),
        "date": now_iso(),
    }
    result.update(extra or {})
    return result


def publish_result(result: dict[str, Any], store: Path, leaderboard: Path | None = None, *,
                   replace: bool = False) -> Path:
    """Store a result and regenerate LEADERBOARD.md under one store lock (concurrent runs are safe)."""
    from .leaderboard import write_leaderboard

    with store_lock(store):
        path = write_result(result, store, replace=replace, locked=True)
        if leaderboard is not None:
            write_leaderboard(store, leaderboard, locked=True)
    return path


def check_fid_weights(fid: bool, fid_weights: Path | None) -> None:
    """An explicitly named FID weights file must exist (before any work is done)."""
    if fid and fid_weights is not None and not Path(fid_weights).is_file():
        raise DataError(f"--fid-weights file not found: {fid_weights}")


def score_submission(submission_dir: Path, source: DataSource, split_name: str, *, device: str = "cpu",
                     fid: bool = True, fid_weights: Path | None = None, store: Path = DEFAULT_STORE,
                     method: str | None = None, run_id: str | None = None, replace: bool = False,
                     leaderboard: Path | None = None, write: bool = True,
                     progress: Progress | None = None) -> ScoreOutcome:
    """Validate then score a submission folder and store its result (nothing if validation fails).

    The method is `method`, else submission.json's; the run id is `run_id`, else submission.json's
    `run_id`, else the folder name. A result with the same identity already stored is not scored
    again: `ResultExists` is raised unless `replace`.
    """
    check_fid_weights(fid, fid_weights)
    split = load_split(source.root, split_name, features=False, progress=progress)
    predictions, report = load_submission(submission_dir, split)
    meta = report.metadata or {}
    method = method or meta.get("method")
    if not method or not isinstance(method, str):
        raise DataError(f"{submission_dir}: no method name (submission.json has none); "
                        "name it with --method NAME")
    run_id = run_id or (meta.get("run_id") if isinstance(meta.get("run_id"), str) else None) \
        or Path(submission_dir).resolve().name
    identity = result_identity(method=method, run_id=run_id, dataset_fingerprint=split.fingerprint,
                               split=split.name, n_samples=predictions.shape[1], frrea=fid)
    if write and not replace and existing_result(store, identity) is not None:
        raise ResultExists(existing_result(store, identity))
    scored = score_predictions(predictions, split, device=device, fid=fid, fid_weights=fid_weights,
                               progress=progress)
    extra = {"submission": portable_path(submission_dir), "submission_meta": meta,
             "submission_warnings": [str(w) for w in report.warnings]}
    result = build_result(method=method, run_id=run_id, split=split, source=source,
                          n_samples=predictions.shape[1], scored=scored, device=device, fid=fid,
                          predictions_sha256=array_sha256(predictions), extra=extra)
    path = publish_result(result, store, leaderboard, replace=replace) if write else None
    return ScoreOutcome(result, path)


def portable_path(path: Path) -> str:
    """A path fit for a committed result: relative to the working directory when inside it, else
    its last two parts (no machine's absolute paths in the store)."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(Path(*path.parts[-2:])) if len(path.parts) >= 2 else str(path)


def load_submission(submission_dir: Path, split: SplitData):
    """Validated predictions (S, n, 750, 25) aligned with `split`, and the validation report.

    n is taken from submission.json when present (default 10); raises SubmissionError if invalid.
    """
    from .submission import read_submission_with_report

    return read_submission_with_report(submission_dir, split.speaker_paths, split.name,
                                       n_samples=declared_sample_count(submission_dir),
                                       dataset_fingerprint=split.fingerprint)


@dataclass
class DeclaredData:
    """What a submission's submission.json says it was made on, for `score`, `render` and
    `submission check` without --data/--profile/--split. ``how``: the submission.json field the
    profile was read from ("" when none); ``other_data``: the name of the non-synthetic data that a
    react-bench run's description names (a run on --data), else None."""

    profile: str | None
    split: str | None
    how: str
    other_data: str | None = None


def declared_data(submission_dir: Path) -> DeclaredData:
    """The synthetic profile a submission was made on: the cached synthetic dataset whose
    fingerprint is its ``dataset_fingerprint`` (nothing is generated to find out), else the
    "data=synth-<profile>-seed0" that react-bench run writes into its description; and the split
    it declares, where the submission has that split's folder."""
    import re

    from .constants import SPLITS
    from .data.default import dataset_folder_name, user_cache_dir
    from .data.reader import generator_fingerprint
    from .data.synth import PROFILES
    from .submission import METADATA_FILE

    meta = _peek_json(Path(submission_dir) / METADATA_FILE)
    split = meta.get("split")
    if split not in SPLITS or not (Path(submission_dir) / split).is_dir():   # a mislabel is validation's to report
        split = None
    fingerprint = meta.get("dataset_fingerprint")
    if isinstance(fingerprint, str) and fingerprint:
        for profile in PROFILES:
            cached = user_cache_dir() / "data" / dataset_folder_name(profile, 0)
            if generator_fingerprint(cached) == fingerprint:
                return DeclaredData(profile, split, "dataset_fingerprint")
    description = meta.get("description")
    description = description if isinstance(description, str) else ""
    found = re.search(r"\bdata=synth-([A-Za-z0-9_]+)-seed0\b", description)
    if found and found.group(1) in PROFILES:
        return DeclaredData(found.group(1), split, "description")
    named = re.search(r"^react-bench run \S+ .*\bdata=(\S+)", description)
    return DeclaredData(None, split, "", named.group(1) if named and not named.group(1).startswith("synth-") else None)


def declared_sample_count(submission_dir: Path) -> int:
    """n_samples from submission.json when it declares one, else the protocol's 10."""
    from .submission import METADATA_FILE

    value = _peek_json(Path(submission_dir) / METADATA_FILE).get("n_samples")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else N_SAMPLES


@dataclass
class RunOutcome:
    run_id: str
    submission_dir: Path
    run_dir: Path
    seconds: dict[str, float] = field(default_factory=dict)
    score: ScoreOutcome | None = None


class RunInterrupted(ReactBenchError):
    """Ctrl-C during a run; the run folder keeps its checkpoints."""

    exit_code = 130

    def __init__(self, command: str, run_id: str, kept: bool = True) -> None:
        self.run_id = run_id
        super().__init__(f"interrupted; resume with: {command}" if kept else
                         "interrupted before anything was saved; nothing was kept")


# What a run was started with, in its run folder: a resume must ask for the same, and the command
# printed at Ctrl-C or at a refused resume is rebuilt from it.
RUN_REQUEST = "request.json"


def run_request(method: Any, name: str, registered: str, source: DataSource, split: str, seed: int,
                n_samples: int, overrides: dict[str, Any], outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """``name``: the method's own name (REGNN variants: regnn-video-only), compared on resume;
    ``registered``: its registry name, which the resume command needs; ``outputs``: what the run
    writes besides its submission (``run_outputs``), which a resume keeps unless told otherwise."""
    config = getattr(method, "config", None)
    return {"method": name, "registered": registered, "seed": int(seed), "split": split, "n_samples": int(n_samples),
            "data": {"name": source.name, "profile": source.profile, "root": str(Path(source.root).resolve()),
                     "fingerprint": _fingerprint_or_none(source, split),
                     # real data have one fingerprint per split: training reads the train split
                     "train_fingerprint": _fingerprint_or_none(source, "train")},
            "method_config": dict(overrides),
            "architecture": config.architecture_dict() if hasattr(config, "architecture_dict") else None,
            "outputs": outputs if outputs is not None else run_outputs()}


def run_outputs(score: bool = True, fid: bool = True, leaderboard: bool = True,
                fid_weights: Path | None = None) -> dict[str, Any]:
    """`run`'s --no-score, --no-fid, --no-leaderboard and --fid-weights, as a request records them."""
    return {"score": bool(score), "fid": bool(fid), "leaderboard": bool(leaderboard),
            "fid_weights": str(Path(fid_weights).resolve()) if fid_weights is not None else None}


def _fingerprint_or_none(source: DataSource, split: str) -> str | None:
    """The split's fingerprint for a run's request; None where the split cannot be read yet (loading
    it reports why)."""
    from .data.reader import dataset_fingerprint

    try:
        return dataset_fingerprint(source.root, split)
    except (DataError, OSError, ValueError):
        return None


def resume_command(request: dict[str, Any], run_id: str) -> str:
    """The `react-bench run` command that continues run `run_id`, from its recorded request."""
    import shlex

    parts = ["react-bench", "run", str(request.get("registered") or request.get("method")), "--resume", run_id]
    data, profile = recorded_data_option(request)
    if profile is not None:
        parts += ["--profile", profile]
    elif data is not None:
        parts += ["--data", str(data)]
    if request.get("split", "test") != "test":
        parts += ["--split", str(request["split"])]
    if request.get("seed", 0) != 0:
        parts += ["--seed", str(request["seed"])]
    if request.get("method_config"):
        parts += ["--config", json.dumps(request["method_config"], separators=(",", ":"))]
    outputs = _section(request, "outputs")
    parts += [flag for key, flag in (("score", "--no-score"), ("fid", "--no-fid"), ("leaderboard", "--no-leaderboard"))
              if outputs.get(key) is False]
    if isinstance(outputs.get("fid_weights"), str) and outputs["fid_weights"]:
        parts += ["--fid-weights", outputs["fid_weights"]]
    return " ".join(shlex.quote(part) for part in parts)


def _section(request: dict[str, Any], key: str) -> dict[str, Any]:
    """A recorded request's `data` or `outputs` object; {} when absent or malformed (a hand-edited
    request.json must give a refusal or the defaults, never a traceback)."""
    value = request.get(key)
    return value if isinstance(value, dict) else {}


def recorded_data_option(request: dict[str, Any]) -> tuple[Path | None, str | None]:
    """The (--data, --profile) that name a recorded request's dataset (at most one is set)."""
    data = _section(request, "data")
    profile = data.get("profile")
    if isinstance(profile, str) and profile and data.get("name") == synthetic_data_name(profile):
        return None, profile
    root = data.get("root")
    return (Path(root), None) if isinstance(root, str) and root else (None, None)


def resume_folder(runs: Path, run_id: str) -> Path:
    """The run folder a resume continues; DataError when there is none."""
    folder = Path(runs) / safe_name(run_id)
    if not folder.is_dir():
        raise DataError(f"cannot resume: no run folder {folder}")
    return folder


def recorded_request(runs: Path, run_id: str) -> dict[str, Any]:
    """The request run `run_id` was started with ({} for runs older than request.json, or unreadable)."""
    return _peek_json(Path(runs) / safe_name(run_id) / RUN_REQUEST)


@dataclass
class RunOptions:
    """What `react-bench run` was asked for; None: not given on the command line."""

    data: Path | None = None
    profile: str | None = None
    split: str | None = None
    seed: int | None = None
    config: dict[str, Any] | None = None
    score: bool | None = None
    fid: bool | None = None
    leaderboard: bool | None = None
    fid_weights: Path | None = None

    def completed(self, runs: Path, resume: str | None, log: Callable[[str], None] = print) -> "RunOptions":
        """A resume takes every option not given from the run's recorded request (so `run M --resume
        ID` alone continues run ID); anything else takes the defaults. Options given are kept, and a
        resume that asks for something else is refused later by `check_resumable`."""
        from .constants import SPLITS

        recorded: dict[str, Any] = {}
        if resume is not None:
            resume_folder(runs, resume)                # refused before anything else
            recorded = recorded_request(runs, resume)
        recorded_name = _section(recorded, "data").get("name")
        data, profile = self.data, self.profile
        if data is None and profile is None:
            data, profile = recorded_data_option(recorded)
        elif recorded_name:
            # refused here, before a dataset is generated for nothing (check_resumable checks the rest)
            name = synthetic_data_name(profile) if profile is not None else Path(data).resolve().name
            if name != recorded_name:
                raise DataError(f"cannot resume run {resume}: it was started on data {recorded_name!r} "
                                f"(this command: {name!r}). Resume it with: "
                                f"{resume_command(recorded, safe_name(resume))}")
        config = self.config if self.config is not None else recorded.get("method_config")
        split, seed = recorded.get("split"), recorded.get("seed")
        if split not in SPLITS:                          # a malformed record gives the defaults
            split = "test"
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            seed = 0
        outputs = _section(recorded, "outputs")
        if resume is not None:
            _warn_unrecorded(recorded, outputs, self, log)

        def switch(given: bool | None, key: str) -> bool:
            return given if given is not None else outputs.get(key) is not False

        weights = self.fid_weights
        if weights is None and isinstance(outputs.get("fid_weights"), str) and switch(self.fid, "fid"):
            weights = Path(outputs["fid_weights"])
            if not weights.is_file():
                raise DataError(f"run {resume} was scored with --fid-weights {weights}, which is gone; give "
                                "--fid-weights FILE, or --no-fid")
        return RunOptions(data, profile, self.split if self.split is not None else split,
                          self.seed if self.seed is not None else seed,
                          dict(config) if isinstance(config, dict) else {},
                          switch(self.score, "score"), switch(self.fid, "fid"), switch(self.leaderboard, "leaderboard"),
                          weights)


def _warn_unrecorded(recorded: dict[str, Any], outputs: dict[str, Any], given: "RunOptions",
                     log: Callable[[str], None]) -> None:
    """A run from before request.json (or before its `outputs`) cannot say what it was started
    with: say which options not given fall back to the defaults."""
    missing = []
    if not recorded:
        missing = [name for name, value in (("--data/--profile", given.data or given.profile), ("--split", given.split),
                                            ("--seed", given.seed), ("--config", given.config)) if value is None]
    if not outputs:
        missing += [name for name, value in (("--score/--no-score", given.score), ("--fid/--no-fid", given.fid),
                                             ("--leaderboard/--no-leaderboard", given.leaderboard)) if value is None]
    if missing:
        log(f"warning: this run records no {', '.join(missing)} (an older run folder); the defaults are used, "
            "so give the options it was started with")


def check_resumable(run_dir: Path, run_id: str, request: dict[str, Any], log: Callable[[str], None]) -> None:
    """Before a resumed run writes anything: its recorded request must match this one (method, seed,
    split, samples, data, architecture), and every checkpoint in it must be readable. A run folder
    without a readable recorded request (older runs) is checked by the checkpoints' own config only,
    when training loads them."""
    from .methods.training import read_checkpoint

    recorded = _peek_json(run_dir / RUN_REQUEST)
    if recorded:
        def view(r: dict[str, Any]) -> dict[str, Any]:
            return {"method": r.get("method"), "seed": r.get("seed"), "split": r.get("split"),
                    "n_samples": r.get("n_samples"), "data": _section(r, "data").get("name")}
        was, now = view(recorded), view(request)
        diffs = [f"{k} {was[k]!r} (this command: {now[k]!r})" for k in was if was[k] != now[k]]
        # real data are named by their folder: the same name can hold other contents
        changed = []
        if was["data"] == now["data"]:
            for key, what in (("fingerprint", f"its {was['split']} split"), ("train_fingerprint", "its train split")):
                if key == "fingerprint" and was["split"] != now["split"]:
                    continue                   # one print per split: another split's differs anyway
                old_print, new_print = (_section(r, "data").get(key) for r in (recorded, request))
                if old_print and new_print and old_print != new_print:
                    changed.append(f"data {was['data']!r}: {what} has fingerprint {str(new_print)[:12]}, "
                                   f"not {str(old_print)[:12]} (the dataset changed since)")
        old_arch, new_arch = _section(recorded, "architecture"), _section(request, "architecture")
        if was["method"] != now["method"]:
            old_arch = new_arch = {}           # another method's fields say nothing more
        diffs += [f"config {k} {old_arch.get(k)!r} (this command: {new_arch.get(k)!r})"
                  for k in sorted(set(old_arch) | set(new_arch)) if old_arch.get(k) != new_arch.get(k)]
        if diffs:
            raise DataError(f"cannot resume run {run_id}: it was started with " + "; ".join(diffs + changed) +
                            f". Resume it with: {resume_command(recorded, run_id)}")
        if changed:                            # no option brings the old contents back
            raise DataError(f"cannot resume run {run_id}: " + "; ".join(changed) + ". Restore the data it "
                            "was started on, or start a new run (leave out --resume)")
    elif (run_dir / RUN_REQUEST).exists():
        log(f"warning: {run_dir / RUN_REQUEST} is unreadable; only the checkpoints' own configs are checked")
    checkpoints = sorted(run_dir.rglob("checkpoint.pt"))
    done = []
    for path in checkpoints:
        epoch = read_checkpoint(path).get("epoch")     # read once more by training: a resume happens once
        stage = str(path.parent.relative_to(run_dir)) if path.parent != run_dir else "training"
        done.append(f"{stage}: {int(epoch) + 1} epoch(s) done" if isinstance(epoch, int) else stage)
    if done:
        log(f"resume: checkpoints found ({'; '.join(done)})")
    if (run_dir / "run.json").is_file():
        log(f"note: run {run_id} had finished; its submission and result are written again")
    elif not checkpoints and request.get("architecture") is not None:     # a trained method
        log(f"warning: run {run_id} has no checkpoint in {run_dir}; training starts from the first epoch")


def claim_run_id(method: str, source: DataSource, split: str, seed: int, runs: Path, submissions: Path) -> str:
    """A new run id `<method>-<data>-<split>-seed<k>-<UTC second>[-n]`, its run folder created
    atomically, so runs started in the same second get different ids."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    base = safe_name(f"{method}-{source.name}-{split}-seed{seed}-{stamp}")
    Path(runs).mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        run_id = base if n == 1 else f"{base}-{n}"
        if (Path(submissions) / run_id).exists():
            continue
        try:
            (Path(runs) / run_id).mkdir()
        except FileExistsError:
            continue
        return run_id
    raise DataError(f"cannot find a free run id under {runs} for {base}")


def weights_digest(run_dir: Path) -> str | None:
    """Hash of a trained method's saved model (`<run_dir>/model/`, the convention trained methods
    follow); None for methods that save nothing."""
    return files_sha256(Path(run_dir) / "model")


def paper_on_cpu_warning(method: Any, device: str, overrides: dict[str, Any]) -> str | None:
    """A warning for a trained method about to run its paper schedule on a CPU, unless the
    overrides set its epochs or steps (a schedule the user cut on purpose)."""
    if getattr(getattr(method, "config", None), "profile", None) != "paper" or device != "cpu":
        return None
    if any(key.endswith("epochs") or key.endswith("steps_per_epoch") for key in overrides):
        return None
    return (f"warning: {getattr(method, 'name', 'this method')}'s paper training schedule (the original's "
            "epochs and batches) takes hours on a CPU; use a GPU, --config '{\"profile\": \"small\"}' for a "
            "quick run, or cut its epochs in --config")


def run_method(method_name: str, source: DataSource, split_name: str = "test", *, seed: int = 0,
               device: str = "cpu", n_samples: int = N_SAMPLES, submissions: Path = DEFAULT_SUBMISSIONS,
               store: Path = DEFAULT_STORE, runs: Path = DEFAULT_RUNS, score: bool = True, fid: bool = True,
               fid_weights: Path | None = None, method_config: dict[str, Any] | None = None,
               resume: str | None = None, leaderboard: Path | None = None,
               log: Callable[[str], None] = print, progress: Progress | None = None,
               run_id: str | None = None, result_extra: dict[str, Any] | None = None) -> RunOutcome:
    """Prepare data, fit, predict, write a canonical submission, and (optionally) score and store it.

    `resume` names an earlier run id whose run folder (checkpoints) training continues from.
    `run_id` gives a new run a fixed id instead of a claimed one (the experiment runner's jobs);
    `result_extra` is merged into the stored result.
    Nothing is left behind when a run fails before its submission is written (a new run's folder is
    removed unless it holds a checkpoint to resume; a resumed run's folder is kept). Ctrl-C raises
    RunInterrupted, whose message is the command that resumes.
    """
    from .submission import write_submission

    device = resolve_device(device)
    compile_mode(device)                      # a bad REACT_BENCH_COMPILE is refused before any work
    check_fid_weights(fid and score, fid_weights)
    if resume is not None:
        resume_folder(runs, resume)
    if score and not matrix_path(source.root, split_name).is_file():    # before hours of fitting, not after
        raise DataError(f"split {split_name!r} of {source.root} has no appropriateness matrix "
                        f"({matrix_path(source.root, split_name).name}), so it cannot be scored: give --no-score "
                        "to only write the submission, or build one (react-bench appropriateness build)")
    method = build_method(method_name, source.profile, method_config or {}, resume is not None)
    name = getattr(method, "name", method_name)
    warning = paper_on_cpu_warning(method, device, method_config or {})
    if warning:
        log(warning)
    request = run_request(method, name, _registered_name(method_name), source, split_name, seed, n_samples,
                          method_config or {}, run_outputs(score, fid, leaderboard is not None, fid_weights))
    if resume is not None:
        run_id = safe_name(resume)
        check_resumable(Path(runs) / run_id, run_id, request, log)
    elif run_id is not None:
        run_id = safe_name(run_id)
        (Path(runs) / run_id).mkdir(parents=True, exist_ok=True)
    else:
        run_id = claim_run_id(name, source, split_name, seed, runs, submissions)
    submission_dir = Path(submissions) / run_id
    run_dir = Path(runs) / run_id
    if resume is None:                         # a resume never rewrites what its run was started with
        write_json_atomic(run_dir / RUN_REQUEST, request)
    try:
        return _run_claimed(method, name, method_name, source, split_name, run_id, run_dir, submission_dir,
                            seed=seed, device=device, n_samples=n_samples, store=store, score=score, fid=fid,
                            fid_weights=fid_weights, resume=resume, leaderboard=leaderboard, log=log,
                            progress=progress, write_submission=write_submission,
                            result_extra=result_extra or {})
    except KeyboardInterrupt:
        if resume is None and not submission_dir.exists():
            _remove_if_untrained(run_dir)
        raise RunInterrupted(resume_command(request, run_id), run_id, kept=run_dir.is_dir()) from None
    except BaseException:
        if resume is None and not submission_dir.exists():
            _remove_if_untrained(run_dir)
        raise


def _run_claimed(method: Any, name: str, method_name: str, source: DataSource, split_name: str, run_id: str,
                 run_dir: Path, submission_dir: Path, *, seed: int, device: str, n_samples: int, store: Path,
                 score: bool, fid: bool, fid_weights: Path | None, resume: str | None,
                 leaderboard: Path | None, log: Callable[[str], None], progress: Progress | None,
                 write_submission: Callable[..., Path], result_extra: dict[str, Any]) -> RunOutcome:
    seconds: dict[str, float] = {}
    start = tick = time.perf_counter()
    train = load_split(source.root, "train", progress=progress)
    val_available = (source.root / "val.csv").is_file() and split_name != "val"
    val = load_split(source.root, "val", progress=progress) if val_available else None
    target = load_split(source.root, split_name, progress=progress)
    seconds["load"] = time.perf_counter() - tick
    log(f"data: {source.name} at {source.root} (train S={train.n_directions}, {split_name} S={target.n_directions})")

    if resume is not None:
        log(f"resume: continuing run {run_id} from {run_dir}")
    else:
        trained = hasattr(getattr(method, "config", None), "architecture_dict")
        log(f"run: {run_id} (" + ("checkpoints, losses.json and training_curve.png go to " if trained
                                  else "run folder ") + f"{run_dir})")
    tick = time.perf_counter()
    run_dir.mkdir(parents=True, exist_ok=True)
    method.fit(train, val, seed=seed, device=device, run_dir=run_dir, **_progress_kwarg(method, progress))
    seconds["fit"] = time.perf_counter() - tick
    log(f"fit: {name} in {seconds['fit']:.1f} s on {device}")

    tick = time.perf_counter()
    online = _online_spec(method)
    mode = compile_mode()
    compiling = {"compile": mode} if mode else {}                          # recorded only when on
    if online is not None:      # the harness drives it chunk by chunk (react_bench/methods/online.py)
        from .methods.online import predict_online

        predictions = predict_online(method, target, n_samples=n_samples, seed=seed, lookahead=online["lookahead"])
    else:
        predictions = method.predict(target, n_samples=n_samples, seed=seed)
    seconds["predict"] = time.perf_counter() - tick
    expected = (target.n_directions, n_samples) + target.speaker.shape[1:]
    if predictions.shape != expected:
        raise RuntimeError(f"{name}.predict returned {predictions.shape}, expected {expected}")
    predictions = np.ascontiguousarray(predictions, dtype=np.float32)
    predictions_sha256 = array_sha256(predictions)
    weights_sha256 = weights_digest(run_dir)
    write_submission(submission_dir, predictions, target.speaker_paths, split_name,
                     method=name, dataset_fingerprint=target.fingerprint, overwrite=resume is not None,
                     description=f"react-bench run {method_name} seed={seed} data={source.name} run={run_id}",
                     run_id=run_id)
    config = getattr(method, "config", None)
    config_dict = config.to_dict() if hasattr(config, "to_dict") else (config or {})
    write_json_atomic(run_dir / "run.json", {
        "run_id": run_id, "method": name, "method_config": config_dict, "seed": seed, "device": device,
        "split": split_name, "dataset": {"name": source.name, "root": str(source.root),
                                         "fingerprint": target.fingerprint, "profile": source.profile},
        "predictions_sha256": predictions_sha256, "weights_sha256": weights_sha256,
        "versions": environment_versions(), "seconds": seconds, "date": now_iso(),
        **({"online": online} if online is not None else {}), **compiling})
    log(f"predict: {predictions.shape} in {seconds['predict']:.1f} s -> {submission_dir}")

    outcome = RunOutcome(run_id, submission_dir, run_dir, seconds)
    if score:
        tick = time.perf_counter()
        scored = score_predictions(predictions, target, device=device, fid=fid, fid_weights=fid_weights,
                                   progress=progress)
        seconds["score"] = time.perf_counter() - tick
        result = build_result(method=name, run_id=run_id, split=target, source=source, n_samples=n_samples,
                              scored=scored, device=device, fid=fid, predictions_sha256=predictions_sha256,
                              weights_sha256=weights_sha256,
                              extra={"seed": seed, "method_config": config_dict, "seconds": seconds,
                                     "submission": portable_path(submission_dir), "method_tags": _method_tags(method_name),
                                     **({"online": online} if online is not None else {}), **compiling,
                                     **result_extra})
        outcome.score = ScoreOutcome(result, publish_result(result, store, leaderboard, replace=resume is not None))
    log(f"done: run {run_id} in {time.perf_counter() - start:.1f} s")
    return outcome


def _online_spec(method: Any) -> dict[str, int] | None:
    """{"window": w, "lookahead": k} for an online method (``online = True``), else None."""
    from .methods.online import is_online, online_spec

    return online_spec(method).to_dict() if is_online(method) else None


def _registered_name(method_name: str) -> str:
    """The registry's spelling of a method name (`regnn`, `Huang_C`), as `react-bench run` takes it."""
    from .methods import METHODS, method_names

    method_names()
    return METHODS.entry(method_name).name


def _method_tags(method_name: str) -> list[str]:
    """The registry tags of a method (e.g. "reference": shown apart on the leaderboard, never ranked)."""
    from .methods import METHODS, method_names

    method_names()
    return list(METHODS.entry(method_name).tags)


def _progress_kwarg(method: Any, progress: Progress | None) -> dict[str, Any]:
    """Pass the progress callback to methods whose fit() accepts one."""
    import inspect

    if progress is None:
        return {}
    try:
        params = inspect.signature(method.fit).parameters
    except (TypeError, ValueError):
        return {}
    return {"progress": progress} if "progress" in params else {}


def _remove_if_untrained(folder: Path) -> None:
    """Remove a failed new run's `folder` unless it holds a checkpoint (training to resume): what
    else it may hold (its request, a method's config.json) describes a run that did not happen."""
    folder = Path(folder)
    if folder.is_dir() and not any(folder.rglob("checkpoint.pt")):
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def build_method(method_name: str, profile: str | None, config: dict[str, Any], resume: bool = False):
    """Instantiate a method; trained methods get the training profile matching the data profile
    `profile` (smoke/small/paper; real data, None: paper) unless the config names one."""
    import inspect

    from .methods import METHODS, get_method, method_names

    method_names()                      # registers the baselines
    factory = METHODS.get(method_name)  # unknown names raise with did-you-mean
    params = inspect.signature(factory).parameters
    accepts = set(params)
    takes_overrides = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    config = dict(config)
    if "profile" in accepts and "profile" not in config:
        config["profile"] = profile or "paper"
    # trained methods take their config fields as **overrides, resume among them
    if resume and ("resume" in accepts or takes_overrides):
        config["resume"] = True
    return get_method(method_name, **config)


def _peek_json(path: Path) -> dict[str, Any]:
    """A JSON object from `path`, or {} if absent or malformed (validation reports it properly)."""
    try:
        value = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}

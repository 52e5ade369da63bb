"""`react-bench experiment ...`: list, show, run and tabulate experiments (docs/experiments.md)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Literal, Optional

import typer

from .cli_common import (CompileOpt, DataOpt, DeviceOpt, JsonOpt, Profile, _device, _fail, _guarded,
                         _set_compile, _source)
from .errors import ReactBenchError

SpecProfileOpt = typer.Option(None, "--profile", help="Synthetic profile (default: the spec's data, else small).")

experiment_app = typer.Typer(no_args_is_help=True, help="Experiments: the paper's tables and sensitivity "
                                                        "studies from declarative specs, resumable.")
Executor = Literal["local", "ray"]
SpecArg = typer.Argument(..., help="a built-in experiment (react-bench experiment ls) or a .yaml spec file")


def _spec(name: str):
    from .experiments import load_spec

    return _guarded(load_spec, name)


def parse_seeds(values: Optional[list[str]]) -> Optional[list[int]]:
    """--seeds 0 1 2, --seeds 0,1,2 or --seeds 0 --seeds 1 (run_cli joins the first form)."""
    if not values:
        return None
    seeds: list[int] = []
    for value in values:
        for part in value.replace(",", " ").split():
            try:
                seeds.append(int(part))
            except ValueError:
                raise typer.BadParameter(f"seeds must be integers, got {part!r}", param_hint="--seeds") from None
            if seeds[-1] < 0:
                raise typer.BadParameter(f"seeds must be >= 0, got {part}", param_hint="--seeds")
    return seeds


def _data_source(spec, data: Optional[Path], profile: Optional[str], progress=None):
    """The command line's --data/--profile, else the spec's own dataset."""
    if data is None and profile is None:
        data = Path(spec.data) if spec.data else None
        profile = None if spec.data else spec.profile
    return _guarded(_source, data, profile, progress)


@experiment_app.command("ls")
def experiment_ls() -> None:
    """List the built-in experiments."""
    from .experiments import builtin_names, load_spec

    for name in builtin_names():
        spec = load_spec(name)
        typer.echo(f"{name:<15} {len(spec.rows):>3} rows  {spec.title}")


@experiment_app.command("show")
def experiment_show(name: str = SpecArg) -> None:
    """Print a spec (YAML)."""
    import yaml

    typer.echo(yaml.safe_dump(_spec(name).to_dict(), sort_keys=False, allow_unicode=True, width=110))


@experiment_app.command("run")
def experiment_run(name: str = SpecArg, data: Optional[Path] = DataOpt, profile: Optional[Profile] = SpecProfileOpt,
                   seeds: Optional[list[str]] = typer.Option(None, "--seeds", help="seeds, e.g. --seeds 0 1 2 "
                                                                                 "(default: the spec's)"),
                   device: str = DeviceOpt,
                   executor: Executor = typer.Option("local", help="local: this machine; ray: Ray tasks"),
                   jobs: int = typer.Option(1, "--jobs", min=1, help="jobs at a time (local: processes, each "
                                                                     "with cores/N threads)"),
                   address: Optional[str] = typer.Option(None, help="Ray cluster address (default: $RAY_ADDRESS, "
                                                                    "else a local Ray instance)"),
                   frrea: Optional[bool] = typer.Option(None, "--frrea/--no-frrea",
                                                        help="score FRRea (default: the spec's)"),
                   dry_run: bool = typer.Option(False, "--dry-run", help="list the jobs, which are done, and an "
                                                                         "estimate of the time left"),
                   out: Optional[Path] = typer.Option(None, help="where the tables go (default: "
                                                                 "leaderboard/experiments, or "
                                                                 "$REACT_BENCH_EXPERIMENTS, else beside "
                                                                 "$REACT_BENCH_LEADERBOARD)"),
                   overwrite: bool = typer.Option(False, "--overwrite", help="replace tables made on another "
                                                                            "dataset in that folder"),
                   compile: Optional[str] = CompileOpt,
                   no_leaderboard: bool = typer.Option(False, "--no-leaderboard",
                                                       help="do not rewrite LEADERBOARD.md after the jobs"),
                   as_json: bool = JsonOpt) -> None:
    """Run the jobs of an experiment that the results store lacks, then write its tables (and
    LEADERBOARD.md, once, if any job ran).

    A job is one (row, seed): fit, predict and score through the same pipeline as `react-bench run`.
    Killing the command and running it again redoes only the missing jobs; an interrupted training
    resumes from its checkpoint."""
    from .experiments.outputs import check_overwrite, write_outputs
    from .experiments.runner import dry_run_lines, make_plan, refresh_plan, run_experiment
    from .pipeline import OutputPaths
    from .progress import progress_bars

    spec = _spec(name)
    seed_list = parse_seeds(seeds)
    paths = OutputPaths.from_env()
    resolved = device if dry_run else _device(device, as_json)
    # every job's payload carries the mode to its worker; cuda-graphs off CUDA is refused here
    _set_compile(compile, as_json, None if dry_run else resolved)
    out = out if out is not None else paths.experiments
    with progress_bars(not (as_json or dry_run)) as progress:
        source = _data_source(spec, data, profile, progress)
        plan = _guarded(make_plan, spec, source, paths.results, seed_list, frrea, paths.runs if dry_run else None,
                        as_json=as_json)
        if not (dry_run or overwrite):        # before hours of jobs, not after them
            _guarded(check_overwrite, plan, out, as_json=as_json)
        if dry_run:
            if as_json:
                typer.echo(json.dumps({"jobs": [{"group": j.row.group, "row": j.row.label, "seed": j.seed,
                                                 "key": j.key, "status": j.status} for j in plan.jobs],
                                       "not_available": {f"{g}/{r}": w for (g, r), w in plan.unavailable.items()}},
                                      indent=1))
            else:
                from .results import load_results

                typer.echo("\n".join(dry_run_lines(plan, load_results(paths.results, on_problem=lambda p: None))))
            return
        log = (lambda msg: typer.echo(msg, err=True)) if as_json else progress.log
        summary = _guarded(run_experiment, spec, source, paths=paths, seeds=seed_list, device=resolved,
                           executor=executor, jobs=jobs, address=address, frrea=frrea, log=log,
                           progress=progress, plan=plan, as_json=as_json)
    plan = refresh_plan(summary.plan, paths.results, paths.runs)
    written = write_outputs(plan, out, command=_command_line())
    for line in summary.lines():
        typer.echo(line, err=as_json)
    typer.echo(f"tables: {', '.join(str(p) for p in written)}", err=as_json)
    if not no_leaderboard and any(o.status == "ok" for o in summary.ran):
        from .leaderboard import write_leaderboard

        board = _guarded(write_leaderboard, paths.results, paths.leaderboard, as_json=as_json)
        typer.echo(f"leaderboard: {board}", err=as_json)
    if as_json:
        typer.echo(json.dumps({"ran": len(summary.ran), "skipped": summary.skipped,
                               "failed": [{"error": o.error, "log": o.log} for o in summary.failed],
                               "wall_seconds": summary.wall_seconds, "written": [str(p) for p in written]}))
    if summary.interrupted:
        raise typer.Exit(130)
    if summary.failed:
        raise typer.Exit(1)


@experiment_app.command("table")
def experiment_table(name: str = SpecArg, data: Optional[Path] = DataOpt,
                     profile: Optional[Profile] = SpecProfileOpt,
                     seeds: Optional[list[str]] = typer.Option(None, "--seeds", help="seeds (default: the spec's)"),
                     fmt: list[str] = typer.Option(["md", "csv", "latex"], "--format", metavar="<md|csv|latex>",
                                                   help="md, csv and/or latex (repeat the option)"),
                     out: Optional[Path] = typer.Option(None, help="output folder (default: leaderboard/experiments, "
                                                                   "or $REACT_BENCH_EXPERIMENTS, else beside "
                                                                   "$REACT_BENCH_LEADERBOARD)"),
                     overwrite: bool = typer.Option(False, "--overwrite", help="replace a table made on another "
                                                                              "dataset"),
                     frrea: Optional[bool] = typer.Option(None, "--frrea/--no-frrea",
                                                          help="the FRRea setting the jobs ran with")) -> None:
    """Write an experiment's tables and figures from the results store alone (reruns nothing)."""
    from .experiments.outputs import check_overwrite, write_outputs
    from .experiments.runner import make_plan
    from .pipeline import OutputPaths

    fmt = [f for value in fmt for f in value.replace(",", " ").split()]      # --format md,csv works too
    bad = sorted(set(fmt) - {"md", "csv", "latex"})
    if bad:
        raise typer.BadParameter(f"unknown format(s) {bad}; use md, csv or latex", param_hint="--format")
    spec = _spec(name)
    paths = OutputPaths.from_env()
    out = out if out is not None else paths.experiments
    source = _data_source(spec, data, profile)
    seed_list = parse_seeds(seeds)
    plan = _guarded(make_plan, spec, source, paths.results, seed_list, frrea, paths.runs)
    if plan.jobs and not plan.done:
        kept = f", the tables in {out} are kept" if (Path(out) / f"{spec.name}.md").is_file() else ""
        _fail(ReactBenchError(
            f"{spec.name}: none of its {len(plan.jobs)} jobs on {source.name} is in the store "
            f"({paths.results}); nothing written{kept}. Give the --profile/--data, "
            f"--seeds and --frrea the experiment ran with, or run it: react-bench experiment run {name} ..."))
    if not overwrite:
        _guarded(check_overwrite, plan, out)
    written = write_outputs(plan, out, tuple(fmt), command=_command_line())
    missing, failed = len(plan.todo), sum(j.status == "failed" for j in plan.jobs)
    typer.echo(f"{spec.name}: {len(plan.done)} of {len(plan.jobs)} jobs in the store"
               + (f"; {failed} failed in its last run (logs: react-bench experiment run {name} --dry-run)"
                  if failed else "")
               + (f" ({missing} not run yet: react-bench experiment run {name}"
                  + (f" --seeds {' '.join(map(str, seed_list))}" if seed_list else "") + ")" if missing else ""))
    for path in written:
        typer.echo(f"wrote {path}")
    others = _other_stored_seeds(paths.results, plan)
    if others:
        typer.echo(f"note: the store also holds seeds {others} of {spec.name} on this dataset; give --seeds to "
                   "include them")


def _other_stored_seeds(store: Path, plan) -> list[int]:
    """Seeds of this experiment's jobs on this dataset that the store holds beyond the plan's."""
    from .results import load_results

    planned = {job.seed for job in plan.jobs}
    found = set()
    for result in load_results(store, on_problem=lambda problem: None):
        job = result.get("job") if isinstance(result.get("job"), dict) else {}
        dataset = result.get("dataset") if isinstance(result.get("dataset"), dict) else {}
        if (job.get("experiment") == plan.spec.name and isinstance(job.get("seed"), int)
                and dataset.get("fingerprint") == plan.dataset_fingerprint):
            found.add(job["seed"])
    return sorted(found - planned)


def _command_line() -> str:
    argv = sys.argv[1:]
    return "react-bench " + " ".join(shlex.quote(a) for a in argv) if argv else ""


def join_seed_args(argv: list[str]) -> list[str]:
    """`--seeds 0 1 2` -> `--seeds 0,1,2` (click takes one value per option occurrence)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        out.append(argv[i])
        if argv[i] == "--seeds":
            values = []
            while i + 1 < len(argv) and argv[i + 1].lstrip("-").replace(",", "").isdigit() \
                    and not argv[i + 1].startswith("--"):
                values.append(argv[i + 1])
                i += 1
            if values:
                out.append(",".join(values))
        i += 1
    return out

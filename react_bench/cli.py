"""The `react-bench` command line. Thin: parsing, printing and exit codes; work lives elsewhere."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from .cli_common import (USAGE_EXIT, CompileOpt, DataOpt, DeviceOpt, JsonOpt, Profile, ProfileOpt, Split,
                         SplitOpt, SubmissionSplitOpt, _device, _fail, _guarded, _set_compile, _source,
                         _submission_source)
from .cli_experiments import experiment_app, join_seed_args
from .errors import ReactBenchError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="react-bench: train, score and compare multiple appropriate facial reaction generators.\n\n"
                       "Exit codes: 0 success (also: already scored), 1 bad input or command-line usage, "
                       "2 an invalid submission or appropriateness matrix, 130 interrupted.")
data_app = typer.Typer(no_args_is_help=True, help="Datasets: generate the synthetic world, inspect a split.")
matrix_app = typer.Typer(no_args_is_help=True, help="Appropriateness matrices: build, cut, report.")
submission_app = typer.Typer(no_args_is_help=True, help="Submissions: validate a folder.")
fid_app = typer.Typer(no_args_is_help=True, help="FID Inception weights for FRRea.")
app.add_typer(data_app, name="data")
app.add_typer(matrix_app, name="appropriateness")
app.add_typer(submission_app, name="submission")
app.add_typer(fid_app, name="fid-weights")
app.add_typer(experiment_app, name="experiment")


def _hide_flag_types() -> None:
    """Typer shows `<bool>` as the type of every flag (--help included); a flag takes no value."""
    try:
        from typer.core import TyperOption
    except ImportError:  # pragma: no cover - other typer versions
        return
    original = TyperOption.display_type_rich
    if getattr(original, "_react_bench", False):
        return

    def display_type_rich(self, ctx):  # type: ignore[no-untyped-def]
        if getattr(self, "is_flag", False) or getattr(self, "count", False):
            return None
        return original(self, ctx)

    display_type_rich._react_bench = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_hide_flag_types()


def _scores_table(result: dict[str, Any]) -> str:
    from tabulate import tabulate

    from .leaderboard import COLUMN_ORDER, SATURATED_SYNCHRONY, arrow, metric_value, synchrony_saturation

    rows = []
    for metric in COLUMN_ORDER:
        official = metric_value(result, metric, False)
        per_sample = metric_value(result, metric, True)
        timing = (result.get("timing_s") or {}).get(metric)
        note = (result.get("skipped") or {}).get(metric, "")
        share = synchrony_saturation(result) if metric == "Synchrony" else None
        if share:
            note = (f"official value saturated: {share:.0%} of directions score exactly {SATURATED_SYNCHRONY:g} "
                    "(constant speaker columns, NaN quirk); see Synchrony_nan_safe")
        rows.append([f"{metric} {arrow(metric)}", _fmt(official), _fmt(per_sample),
                     "" if timing is None else f"{timing:.2f}", note])
    return tabulate(rows, headers=["metric", "official", "per-sample", "seconds", "note"], tablefmt="github",
                    disable_numparse=True)


def _fmt(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.5g}"


# --------------------------------------------------------------------------------------------- ls
@app.command("ls")
def list_things() -> None:
    """List registered methods, synthetic profiles and metrics."""
    from .data.synth import PROFILES
    from .leaderboard import COLUMN_ORDER, arrow
    from .methods import METHODS, method_names

    method_names()
    typer.echo("methods:")
    for entry in METHODS:
        typer.echo(f"  {entry.name:<12} {entry.description}")
    typer.echo("profiles (train/val/test pairs):")
    for name, sizes in PROFILES.items():
        typer.echo(f"  {name:<12} {'/'.join(str(s) for s in sizes)}")
    typer.echo("metrics (paper order):")
    typer.echo("  " + "  ".join(f"{m} {arrow(m)}" for m in COLUMN_ORDER))


# --------------------------------------------------------------------------------------------- data
@data_app.command("synth")
def data_synth(profile: Profile = typer.Option("small", help="synthetic profile"),
               seed: int = typer.Option(0, help="generator seed"),
               out: Optional[Path] = typer.Option(None, help="output folder (default: the shared cache)")) -> None:
    """Write the synthetic dyadic world in the REACT layout."""
    from .data.default import default_dataset_root
    from .data.synth import write_synthetic_dataset
    from .progress import progress_bars

    with progress_bars() as progress:
        if out is None:
            root = _guarded(default_dataset_root, profile, seed, progress=progress)
        else:
            root = _guarded(write_synthetic_dataset, out, profile=profile, seed=seed, progress=progress)
    info = json.loads((Path(root) / "dataset.json").read_text())
    typer.echo(f"wrote {profile} (seed {seed}) to {root}; fingerprint {info.get('fingerprint')}")


@data_app.command("info")
def data_info(data: Optional[Path] = DataOpt, profile: Optional[Profile] = ProfileOpt,
              split: Split = SplitOpt, as_json: bool = JsonOpt) -> None:
    """Load a split (building its cache) and describe it."""
    from .data.reader import load_split
    from .progress import progress_bars

    with progress_bars(not as_json) as progress:
        source = _guarded(_source, data, profile, progress, as_json=as_json)
        data_split = _guarded(load_split, source.root, split, progress=progress, as_json=as_json)
    info = {"root": str(source.root), "split": split, "pairs": data_split.n_pairs,
            "directions": data_split.n_directions, "video_dim": data_split.video.shape[-1],
            "audio_dim": data_split.audio.shape[-1], "fingerprint": data_split.fingerprint,
            "has_appropriateness": data_split.appropriate is not None}
    typer.echo(json.dumps(info, indent=1) if as_json else "\n".join(f"{k}: {v}" for k, v in info.items()))


@data_app.command("verify")
def data_verify(root: Path = typer.Argument(..., help="dataset folder"), as_json: bool = JsonOpt) -> None:
    """Recompute a dataset's fingerprint; exit 2 if it does not match dataset.json."""
    from .data.verify import verify_dataset

    report = _guarded(verify_dataset, root, as_json=as_json)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=1))
    elif report.kind == "real":
        typer.echo(f"{root}: no dataset.json to compare against; content fingerprints per split:")
        for name, value in report.splits.items():
            typer.echo(f"  {name}: {value}")
    elif report.ok:
        typer.echo(f"ok: fingerprint {report.fingerprint} matches dataset.json ({report.n_files} files)")
    else:
        n = report.n_differing
        what = (f"{n} file{'s' if n != 1 else ''} differ" if n is not None
                else f"{report.n_files} files found, dataset.json lists {report.expected_n_files}")
        typer.secho(f"mismatch: fingerprint {report.fingerprint} != dataset.json's {report.expected} "
                    f"({what})", fg="red", err=True)
        for label, paths in (("changed", report.changed), ("missing", report.missing), ("extra", report.extra)):
            for path in paths[:20]:
                typer.echo(f"  {label}: {path}", err=True)
            if len(paths) > 20:
                typer.echo(f"  ... and {len(paths) - 20} more {label}", err=True)
    if not report.ok:
        raise typer.Exit(2)


@data_app.command("diagnose")
def data_diagnose(data: Optional[Path] = DataOpt, profile: Optional[Profile] = ProfileOpt, split: Split = SplitOpt,
                  references: bool = typer.Option(True, "--references/--no-references",
                                                  help="also score the reference rows (synthetic worlds)"),
                  as_json: bool = JsonOpt) -> None:
    """What a dataset measures: the world's figures, the naive rows against the REGNN paper's
    Table 1, and the reference rows' standard and oracle scores (real data: the subset that applies)."""
    from .data.diagnose import diagnose
    from .progress import progress_bars

    with progress_bars(not as_json) as progress:
        source = _guarded(_source, data, profile, progress, as_json=as_json)
        report = _guarded(diagnose, source.root, split, references=references, progress=progress,
                          as_json=as_json)
    if as_json:
        typer.echo(json.dumps(report, indent=1, default=_plain))
    else:
        import yaml

        typer.echo(yaml.safe_dump(json.loads(json.dumps(report, default=_plain)), sort_keys=False, width=110))


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as plain JSON values."""
    return value.tolist() if hasattr(value, "tolist") else str(value)


# ------------------------------------------------------------------------------------ appropriateness
@matrix_app.command("build")
def matrix_build(data: Optional[Path] = DataOpt, profile: Optional[Profile] = ProfileOpt, split: Split = SplitOpt,
                 threshold: Optional[float] = typer.Option(None, help="DTW threshold (default: documented)"),
                 downsample: int = typer.Option(5, help="use every k-th frame for speed"),
                 out: Path = typer.Option(..., help="where to write the (S, S) .npy")) -> None:
    """Build a matrix from speaker behaviour (approximation of the challenge's labelling strategy)."""
    import numpy as np

    from .appropriateness.build import build_appropriateness
    from .data.reader import load_split
    from .progress import progress_bars

    with progress_bars() as progress:
        source = _guarded(_source, data, profile, progress)
        data_split = _guarded(load_split, source.root, split, features=False, progress=progress)
        matrix = build_appropriateness(np.asarray(data_split.speaker), threshold=threshold,
                                       downsample=downsample, progress=progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, matrix)
    from .appropriateness.build import off_diagonal, precision_recall

    typer.echo(f"wrote {matrix.shape} matrix to {out}; mean appropriate neighbours per row (excluding its own) "
               f"{off_diagonal(matrix).sum(1).mean():.2f}")          # as `appropriateness report` counts
    truth = source.root / "ground_truth" / f"appropriate_{split}.npy"
    if truth.is_file():
        true = np.load(truth, allow_pickle=False)
        precision, recall = precision_recall(matrix, true)
        found, there = off_diagonal(matrix).any(), off_diagonal(true).any()
        typer.echo("against the synthetic ground truth (off-diagonal pairs): precision "
                   + (f"{precision:.3f}" if found else "n/a (none built)") + ", recall "
                   + (f"{recall:.3f}" if there else "n/a (the truth has none)"))


@matrix_app.command("cut")
def matrix_cut(global_matrix: Path = typer.Option(..., "--global", help="Approprirate_facial_reaction.npy"),
               indices: Path = typer.Option(..., help="data_indices.csv"),
               split_csv: Path = typer.Option(..., help="the split's CSV"),
               skip_udiva: bool = typer.Option(False, help="REACT 2024 rule: leave UDIVA rows out"),
               out: Path = typer.Option(..., help="output neighbour_emotion_<split>.npy")) -> None:
    """Cut a split's (2L, 2L) matrix out of the official global matrix."""
    import numpy as np

    from .appropriateness.cut import cut_split_matrix

    matrix_out = _guarded(cut_split_matrix, global_matrix, indices, split_csv, skip_udiva=skip_udiva)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, matrix_out)
    typer.echo(f"wrote {matrix_out.shape} matrix to {out}")


@matrix_app.command("report")
def matrix_report(matrix: Optional[Path] = typer.Argument(None, help="a .npy matrix (or use --data/--profile)"),
                  data: Optional[Path] = DataOpt, profile: Optional[Profile] = ProfileOpt, split: Split = SplitOpt,
                  as_json: bool = JsonOpt) -> None:
    """Validate a matrix and report neighbour statistics."""
    from .appropriateness.validate import validate_matrix
    from .data.layout import matrix_path, read_split_pairs, split_csv_path

    expected = None
    if matrix is None:
        source = _guarded(_source, data, profile, as_json=as_json)
        matrix = matrix_path(source.root, split)
        expected = 2 * len(_guarded(read_split_pairs, split_csv_path(source.root, split), as_json=as_json))
    from .data.arrays import load_plain_npy
    from .errors import MatrixError

    if not Path(matrix).is_file():
        _fail(ReactBenchError(f"matrix file not found: {matrix}"), as_json)
    try:
        values = load_plain_npy(matrix)
    except ReactBenchError as error:
        _fail(MatrixError(str(error)), as_json)
    report = validate_matrix(values, expected_size=expected)
    payload = report.to_dict()
    if as_json:
        typer.echo(json.dumps(payload, indent=1, default=str))
    else:
        typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(2)


# ------------------------------------------------------------------------------------- submission
@submission_app.command("check")
def submission_check(directory: Path = typer.Argument(..., help="submission folder"),
                     data: Optional[Path] = DataOpt, profile: Optional[Profile] = ProfileOpt,
                     split: Optional[Split] = SubmissionSplitOpt, as_json: bool = JsonOpt) -> None:
    """Validate a submission folder against a split; exit 2 on any problem. Writes nothing.

    The data default to the synthetic profile the submission was made on (its submission.json)."""
    from .data.layout import mirrored_directions, read_split_pairs, split_csv_path
    from .submission import validate_submission

    from .data.reader import dataset_fingerprint
    from .pipeline import declared_sample_count

    source, split = _guarded(_submission_source, directory, data, profile, split, as_json=as_json)
    pairs = _guarded(read_split_pairs, split_csv_path(source.root, split), as_json=as_json)
    speakers, _ = _guarded(mirrored_directions, pairs, as_json=as_json)
    report = _guarded(validate_submission, directory, speakers, split,
                      n_samples=declared_sample_count(directory),
                      dataset_fingerprint=_guarded(dataset_fingerprint, source.root, split, as_json=as_json),
                      as_json=as_json)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=1, default=str))
    elif report.ok:
        typer.echo(f"ok: {len(speakers)} directions of split {split!r} ({report.layout} layout)")
        for warning in report.warnings:
            typer.echo(f"  warning: {warning}")
    else:
        typer.secho(f"submission {directory} is invalid:", fg="red", err=True)
        for problem in report.problems:
            typer.echo(f"  - {problem}", err=True)
        for warning in report.warnings:           # a fingerprint mismatch often explains the problems
            typer.echo(f"  warning: {warning}", err=True)
    if not report.ok:
        raise typer.Exit(2)


# -------------------------------------------------------------------------------------- run/score
def _print_result(outcome_result: dict[str, Any], path: Optional[Path], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(outcome_result, indent=1, default=str))
        return
    typer.echo(f"\n{outcome_result['method']} on {outcome_result['dataset']['name']} / "
               f"{outcome_result['split']} (S={outcome_result['n_directions']}, "
               f"{outcome_result['n_samples']} samples, device {outcome_result['device']})\n")
    typer.echo(_scores_table(outcome_result))
    if path is not None:
        typer.echo(f"\nresult: {path}")


@app.command("run")
def run(method: str = typer.Argument(..., help="a registered method (react-bench ls)"),
        data: Optional[Path] = DataOpt, profile: Optional[Profile] = ProfileOpt,
        split: Optional[Split] = typer.Option(None, "--split", help="Split to predict and score "
                                                                   "(default: test, or the resumed run's)"),
        seed: Optional[int] = typer.Option(None, min=0, help="seed for fitting and sampling "
                                                             "(default: 0, or the resumed run's)"),
        device: str = DeviceOpt,
        config: Optional[str] = typer.Option(None, help="method config overrides as JSON, e.g. '{\"layers\": 6}'"),
        score: Optional[bool] = typer.Option(None, "--score/--no-score", show_default=False,
                                             help="--no-score: only write the submission "
                                                  "(default: --score, or the resumed run's)"),
        fid: Optional[bool] = typer.Option(None, "--fid/--no-fid", show_default=False,
                                           help="--no-fid: skip FRRea (default: --fid, or the resumed run's)"),
        fid_weights: Optional[Path] = typer.Option(None, help="FID Inception weights file (must exist)"),
        leaderboard: Optional[bool] = typer.Option(None, "--leaderboard/--no-leaderboard", show_default=False,
                                                   help="--no-leaderboard: do not rewrite LEADERBOARD.md "
                                                        "(default: --leaderboard, or the resumed run's)"),
        resume: Optional[str] = typer.Option(None, help="continue training an earlier run (its run id); options "
                                            "not given are the ones it was started with"),
        compile: Optional[str] = CompileOpt,
        as_json: bool = JsonOpt) -> None:
    """Fit a method, predict 10 samples per direction, write a submission, score it, update the leaderboard.

    Training curves and checkpoints go to runs/<run-id>/ (losses.json, training_curve.png).
    Ctrl-C stops training and prints the command that resumes it (exit 130)."""
    from .pipeline import OutputPaths, RunOptions, check_fid_weights, run_method
    from .progress import progress_bars

    paths = OutputPaths.from_env()
    resolved = _device(device, as_json)
    _set_compile(compile, as_json, resolved)
    overrides = _guarded(_parse_config, config, as_json=as_json) if config is not None else None
    options = _guarded(RunOptions(data, profile, split, seed, overrides, score, fid, leaderboard,
                                  fid_weights).completed, paths.runs, resume,
                       lambda message: typer.secho(message, fg="yellow", err=True), as_json=as_json)
    _guarded(check_fid_weights, options.fid and options.score, options.fid_weights, as_json=as_json)
    with progress_bars(not as_json) as progress:
        log = (lambda msg: typer.echo(msg, err=True)) if as_json else progress.log
        source = _guarded(_source, options.data, options.profile, progress, as_json=as_json)
        outcome = _guarded(run_method, method, source, options.split, seed=options.seed, device=resolved,
                           score=options.score, fid=options.fid, fid_weights=options.fid_weights,
                           method_config=options.config, resume=resume, log=log, progress=progress,
                           submissions=paths.submissions, runs=paths.runs, store=paths.results,
                           leaderboard=paths.leaderboard if options.leaderboard else None, as_json=as_json)
    if outcome.score is None:
        typer.echo(f"submission written to {outcome.submission_dir}")
        return
    _print_result(outcome.score.result, outcome.score.path, as_json)


def _parse_config(text: Optional[str]) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReactBenchError(f"--config is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ReactBenchError("--config must be a JSON object")
    return value


@app.command("score")
def score(directory: Path = typer.Argument(..., help="submission folder"),
          data: Optional[Path] = DataOpt, profile: Optional[Profile] = ProfileOpt,
          split: Optional[Split] = SubmissionSplitOpt,
          method: Optional[str] = typer.Option(None, help="method name to file the result under "
                                                          "(default: submission.json's method)"),
          run_id: Optional[str] = typer.Option(None, help="run or submission id (default: submission.json's "
                                                          "run_id, else the folder name)"),
          replace: bool = typer.Option(False, "--replace", help="score again and replace a stored result "
                                                                "with the same identity"),
          device: str = DeviceOpt, no_fid: bool = typer.Option(False, "--no-fid", help="skip FRRea"),
          fid_weights: Optional[Path] = typer.Option(None, help="FID Inception weights file (must exist)"),
          no_leaderboard: bool = typer.Option(False, "--no-leaderboard", help="do not rewrite LEADERBOARD.md"),
          as_json: bool = JsonOpt) -> None:
    """Validate and score a submission with every metric; store its result and update the leaderboard.

    A result is identified by method, run id, dataset fingerprint, split, sample count and scoring
    options; scoring the same identity again does nothing (exit 0) unless --replace is given."""
    from .pipeline import OutputPaths, check_fid_weights, score_submission
    from .progress import progress_bars
    from .results import ResultExists

    paths = OutputPaths.from_env()
    resolved = _device(device, as_json)
    _guarded(check_fid_weights, not no_fid, fid_weights, as_json=as_json)
    try:
        with progress_bars(not as_json) as progress:
            source, split = _guarded(_submission_source, directory, data, profile, split, progress,
                                     as_json=as_json)
            outcome = _guarded(score_submission, directory, source, split, device=resolved,
                               fid=not no_fid, fid_weights=fid_weights, progress=progress, store=paths.results,
                               method=method, run_id=run_id, replace=replace,
                               leaderboard=None if no_leaderboard else paths.leaderboard, as_json=as_json)
    except ResultExists as exists:  # exit_code 0: not an error, nothing was written
        if as_json:
            typer.echo(json.dumps({"ok": True, "skipped": "already scored", "path": str(exists.path)}, indent=1))
        else:
            typer.echo(f"nothing to do: {exists}")
        return
    for warning in outcome.result.get("submission_warnings") or []:
        typer.secho(f"warning: {warning}", fg="yellow", err=True)
    _print_result(outcome.result, outcome.path, as_json)


@app.command("leaderboard")
def leaderboard(out: Optional[Path] = typer.Option(None, help="markdown output (default: leaderboard/LEADERBOARD.md, "
                                                                "or $REACT_BENCH_LEADERBOARD)"),
                store: Optional[Path] = typer.Option(None, help="results store (default: leaderboard/results, or "
                                                                  "$REACT_BENCH_RESULTS)"),
                strict: bool = typer.Option(False, "--strict", help="fail (exit 1, write nothing) if a file in "
                                                                    "the store is not a result")) -> None:
    """Regenerate the leaderboard markdown (and one plot per section) from the results store alone.

    Files in the store that are not results are skipped with a warning naming each one."""
    from .leaderboard import write_leaderboard
    from .pipeline import OutputPaths

    paths = OutputPaths.from_env()
    store = store or paths.results
    if not Path(store).is_dir():             # a mistyped --store would otherwise write an empty board
        _fail(ReactBenchError(f"no results store at {store} (nothing written); give --store the folder that "
                              "`react-bench run` and `score` write to"))
    report = (lambda problem: typer.secho(f"warning: skipped {problem}", fg="yellow", err=True))
    path = _guarded(write_leaderboard, store, out or paths.leaderboard, strict=strict,
                    on_problem=None if strict else report)
    typer.echo(f"wrote {path}")


# ------------------------------------------------------------------------------------- render/fid
@app.command("render")
def render(directory: Path = typer.Argument(..., help="submission folder"),
           clip: str = typer.Option(..., help="speaker path of the direction, or its index"),
           out: Path = typer.Option(Path("reaction.gif"), help="output .gif"),
           data: Optional[Path] = DataOpt, profile: Optional[Profile] = ProfileOpt,
           split: Optional[Split] = SubmissionSplitOpt,
           frame_step: int = typer.Option(2, min=1, help="render every k-th frame"),
           max_reactions: int = typer.Option(4, min=1, help="reactions shown beside the speaker")) -> None:
    """Animated GIF: the speaker and the generated reactions side by side.

    The data default to the synthetic profile the submission was made on (its submission.json)."""
    from .data.reader import load_split
    from .pipeline import load_submission
    from .render.gif import render_comparison_gif

    if out.suffix.lower() != ".gif":
        _fail(ReactBenchError(f"render writes an animated GIF: give --out a .gif name, not {out}"))
    source, split = _guarded(_submission_source, directory, data, profile, split)
    data_split = _guarded(load_split, source.root, split, features=False)
    paths = data_split.speaker_paths
    index = _clip_index(clip, paths)
    if index is None:
        import difflib

        close = difflib.get_close_matches(clip, paths, n=3)
        _fail(ReactBenchError(f"unknown clip {clip!r}: give a direction index 0..{len(paths) - 1} or a speaker "
                              "path of the split" + (f"; did you mean {close}?" if close else "")))
    predictions, _ = _guarded(load_submission, directory, data_split)
    shown = min(max_reactions, predictions.shape[1])
    render_comparison_gif(data_split.speaker[index], predictions[index], out, frame_step=frame_step,
                          max_reactions=shown,
                          labels=[paths[index]] + [f"reaction {i}" for i in range(shown)])   # speaker first
    typer.echo(f"wrote {out}")


def _clip_index(clip: str, paths: list[str]) -> int | None:
    if clip in paths:
        return paths.index(clip)
    if clip.lstrip("-").isdigit():
        index = int(clip)
        return index if 0 <= index < len(paths) else None
    return None


@fid_app.command("export")
def fid_export(to: Optional[Path] = typer.Option(None, help="TORCH_HOME to write into (default: $TORCH_HOME)")) -> None:
    """Write pytorch-fid's weight file from the offline copy, so `python -m pytorch_fid` runs offline."""
    from .fid import export_pytorch_fid_weights

    try:
        path = _guarded(export_pytorch_fid_weights, to)
    except FileExistsError as error:
        _fail(ReactBenchError(f"{error}; remove it first if you want it replaced"))
    typer.echo(f"wrote {path}")




def run_cli(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (the README's codes; usage errors are 1)."""
    argv = join_seed_args(sys.argv[1:] if argv is None else list(argv))
    try:
        from typer._click.exceptions import ClickException, UsageError
    except ImportError:  # typer versions that use the click package
        from click.exceptions import ClickException, UsageError  # type: ignore[no-redef]
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="react-bench", standalone_mode=False)
    except UsageError as error:
        error.show()
        if not argv:   # bare `react-bench` showed the help
            return 0
        return USAGE_EXIT
    except ClickException as error:
        error.show()
        return error.exit_code
    return code if isinstance(code, int) else 0


def main() -> None:
    sys.exit(run_cli())


if __name__ == "__main__":
    main()

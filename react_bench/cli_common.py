"""What every `react-bench` command shares: option types, clean errors and exit codes."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Callable, Literal, Optional

import typer

from .errors import DataError, ReactBenchError

# Choices are Literal types so that --help lists them and a wrong value names the valid ones.
Profile = Literal["smoke", "small", "paper"]
Split = Literal["train", "val", "test"]
USAGE_EXIT = 1       # command-line usage errors are bad input (the README's 1), not click's 2

DataOpt = typer.Option(None, "--data", help="Root of a REACT-layout dataset (real data).")
ProfileOpt = typer.Option(None, "--profile", help="Synthetic profile (default: small).")
SplitOpt = typer.Option("test", "--split", help="Split of the dataset.")
SubmissionSplitOpt = typer.Option(None, "--split", help="Split of the submission (default: its "
                                                        "submission.json's split, else test).")
DeviceOpt = typer.Option("auto", "--device", metavar="<auto|cpu|cuda|cuda:N>",
                         help="auto: CUDA if present, else CPU. Checked before any work.")
JsonOpt = typer.Option(False, "--json", help="Print JSON on stdout (errors too, as {\"ok\": false, ...}).")
CompileOpt = typer.Option(None, "--compile", metavar="MODE",
                          help="Speed up the baselines' training steps on a GPU: cuda-graphs (capture whole "
                               "steps as CUDA graphs and replay them; CUDA only; new, not yet run on a GPU: "
                               "docs/baselines.md), or a torch.compile mode of the networks (reduce-overhead, "
                               "default, ...); off. Sets REACT_BENCH_COMPILE. Off by default: accelerated runs are "
                               "not bit-identical to eager ones. Checked before any work.")


def _fail(error: Exception, as_json: bool = False) -> None:
    """Print a clean error (JSON on stdout with --json, else text on stderr) and exit with its code."""
    code = getattr(error, "exit_code", 1)
    problems = getattr(error, "problems", []) or []
    if as_json:
        payload: dict[str, Any] = {"ok": False, "error": str(error).splitlines()[0] if problems else str(error),
                                   "exit_code": code}
        if problems:
            payload["problems"] = problems
        typer.echo(json.dumps(payload, indent=1))
    else:
        headline = str(error).splitlines()[0] if problems else str(error)  # problems are listed below
        typer.secho(f"error: {headline}", fg="red", err=True)
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
    raise typer.Exit(code)


def _guarded(func: Callable[..., Any], *args: Any, as_json: bool = False, **kwargs: Any) -> Any:
    """Call `func`; a ReactBenchError becomes a clean message and its exit code. Data warnings
    (e.g. an asymmetric matrix) are printed on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return func(*args, **kwargs)
        except ReactBenchError as error:
            if getattr(error, "exit_code", 1) == 0:   # e.g. ResultExists: the caller reports it
                raise
            _fail(error, as_json)
        finally:
            for warning in caught:
                if issubclass(warning.category, UserWarning):
                    typer.secho(f"warning: {warning.message}", fg="yellow", err=True)
                else:
                    warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)


def _device(device: str, as_json: bool = False) -> str:
    """The resolved device, validated before any work is done."""
    from .pipeline import resolve_device

    return _guarded(resolve_device, device, as_json=as_json)


def _set_compile(mode: Optional[str], as_json: bool = False, device: Optional[str] = None) -> None:
    """--compile MODE: set REACT_BENCH_COMPILE for the training core (and the runner's workers),
    refusing an unknown mode, or cuda-graphs on a non-CUDA ``device``, before any work. None leaves
    the environment as it is."""
    import os

    from .methods.config import COMPILE_ENV, compile_mode

    if mode is not None:
        os.environ[COMPILE_ENV] = mode
    _guarded(compile_mode, device, as_json=as_json)


def _source(data: Optional[Path], profile: Optional[str], progress=None):
    from .pipeline import resolve_data

    return resolve_data(data, profile, progress=progress)


def _submission_source(directory: Path, data: Optional[Path], profile: Optional[str], split: Optional[str],
                       progress=None):
    """(data, split) a submission is scored, checked or rendered against: --data or --profile, else
    the synthetic profile its submission.json was made on, else the default profile; --split, else
    the split submission.json declares, else test. Says on stderr which data it chose when none
    was given."""
    from .data.default import DEFAULT_PROFILE
    from .pipeline import declared_data

    declared = declared_data(directory)
    if data is None and profile is None and declared.profile is None and declared.other_data:
        raise DataError(f"{directory} was made by react-bench run on data {declared.other_data!r} (its "
                        "submission.json), which is no synthetic profile: give that dataset with --data DIR")
    if data is None and profile is None:
        profile = declared.profile
        typer.echo(f"data: synthetic profile {profile} (from submission.json's {declared.how})" if profile else
                   f"data: synthetic profile {DEFAULT_PROFILE}, the default (submission.json names no dataset "
                   "this machine has; give --profile or --data)", err=True)
    split = split or declared.split or "test"
    return _source(data, profile, progress), split

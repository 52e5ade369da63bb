"""Writing an experiment's table (md, csv, latex) and figures, and the runner's failure record."""

from __future__ import annotations

import json
from pathlib import Path

from ..results import write_json_atomic, write_text_atomic
from .figures import scatter_figure, sweep_figure
from .jobs import Plan
from .tables import build_rows, render_csv, render_latex, render_markdown

DEFAULT_OUT = Path("leaderboard/experiments")
FORMATS = ("md", "csv", "latex")


def failures_path(runs: Path, name: str) -> Path:
    return Path(runs) / "experiments" / name / "failures.json"


def record_failures(runs: Path, name: str, failed: dict[str, str], succeeded: list[str]) -> None:
    """Keep, per job key, the log of its last failure until the job succeeds."""
    path = failures_path(runs, name)
    known = read_failures(runs, name)
    known.update(failed)
    for key in succeeded:
        known.pop(key, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, known)


def read_failures(runs: Path, name: str) -> dict[str, str]:
    try:
        value = json.loads(failures_path(runs, name).read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def mark_failures(plan: Plan, failures: dict[str, str]) -> None:
    for job in plan.todo:
        if job.key in failures:
            job.status = "failed"


def check_overwrite(plan: Plan, out_dir: Path) -> None:
    """Refuse to replace `<out>/<name>.md` written for another dataset (e.g. a smoke trial over the
    committed small-profile table): its header names the dataset fingerprint. Tables without one,
    or for the same dataset, are replaced."""
    import re

    from ..errors import ReactBenchError

    path = Path(out_dir) / f"{plan.spec.name}.md"
    try:
        header = "\n".join(path.read_text().splitlines()[:4])
    except (OSError, UnicodeDecodeError):
        return
    found = re.search(r"Experiment `[^`]*` on (.+?) \(\w+ split, dataset fingerprint `([0-9a-f]+)`\)", header)
    if found and not plan.dataset_fingerprint.startswith(found.group(2)):
        data = f"synthetic profile {plan.profile}" if plan.profile else plan.data_name
        raise ReactBenchError(f"{path} holds the table for {found.group(1)} (dataset fingerprint {found.group(2)}); "
                              f"this one is for {data} ({plan.dataset_fingerprint[:12]}). Give --out another "
                              "folder, or --overwrite to replace it")


def write_outputs(plan: Plan, out_dir: Path = DEFAULT_OUT, formats: tuple[str, ...] = FORMATS,
                  command: str = "") -> list[Path]:
    """<out>/<name>.md (+ .csv, .tex) and <name>*.png; returns the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = plan.spec.name
    written: list[Path] = []
    rows = build_rows(plan, "official")
    figures: list[Path] = []
    if plan.spec.sweep is not None:
        fig = sweep_figure(rows, plan.spec.sweep.parameter, plan.spec.title, out_dir / f"{name}.png")
    else:
        fig = scatter_figure(rows, plan.spec.title, out_dir / f"{name}_frcorr_frdist.png")
    if fig is not None:
        figures.append(fig)
    written += figures
    if "md" in formats:
        path = out_dir / f"{name}.md"
        write_text_atomic(path, render_markdown(plan, [str(f) for f in figures], command))
        written.append(path)
    if "csv" in formats:
        path = out_dir / f"{name}.csv"
        write_text_atomic(path, render_csv(plan))
        written.append(path)
    if "latex" in formats:
        path = out_dir / f"{name}.tex"
        write_text_atomic(path, render_latex(plan))
        written.append(path)
    write_index(out_dir)
    return written


def write_index(out_dir: Path) -> Path:
    """<out>/README.md: one line per experiment table in the folder, with its title."""
    lines = ["# Experiment tables", "",
             "Written by `react-bench experiment run|table NAME` from the results store (docs/experiments.md); "
             "each table names the command that made it.", ""]
    for md in sorted(Path(out_dir).glob("*.md")):
        if md.name == "README.md":
            continue
        first = md.read_text().splitlines()[:1]
        title = first[0].lstrip("# ").strip() if first else md.stem
        extras = [f"[{ext}]({md.stem}.{ext})" for ext in ("csv", "tex") if (md.parent / f"{md.stem}.{ext}").is_file()]
        lines.append(f"- [{md.stem}]({md.name}): {title}" + (f" ({', '.join(extras)})" if extras else ""))
    return write_text_atomic(Path(out_dir) / "README.md", "\n".join(lines) + "\n")

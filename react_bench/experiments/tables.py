"""`react-bench experiment table`: cells from the results store only (nothing is rerun).

- A cell is the mean ± std (ddof 1) over seeds of the stored metric.
- Its 95 % confidence interval bootstraps directions: the per-direction values a result stores
  (``result["per_direction"]``) are averaged over seeds direction by direction, directions are
  resampled with replacement (B = 2000, seed 0), and the 2.5/97.5 % percentiles of the mean are
  the interval (it is the CI of the seed-mean; FRDvs and FRRea have no per-direction values and
  no CI).
- The best value of each column within a group is bold when its CI does not overlap the
  runner-up's; otherwise it is marked as a tie (≈), as is every row equal to the best mean; a
  column whose rows are all equal, or without CIs (FRDvs, FRRea), marks nothing. Reference rows (GT, rows that read the synthetic ground truth) are never bold.
- The official convention (sums over the 10 samples) comes first; the per-sample convention
  (FRCorr and FRDist ÷ n, as the REGNN paper prints them) follows.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..leaderboard import metric_value
from ..metrics import METRICS_BY_NAME
from .jobs import Plan
from .paper import DATASET as PAPER_DATASET
from .paper import paper_values
from .spec import ORACLE_COLUMNS, Row

BOOTSTRAP = 2000
HIGHER_IS_BETTER = {**{m.name: m.higher_is_better for m in METRICS_BY_NAME.values()},
                    "FRCorr_true": True, "FRDist_true": False, "Coverage": True, "Precision": True}
PER_SAMPLE_SCALED = ("FRDist", "FRCorr", "FRDist_true", "FRCorr_true")
CONVENTIONS = ("official", "per_sample")


@dataclass
class Cell:
    status: str                       # ok | failed | missing | not available
    values: list[float] = field(default_factory=list)     # one per seed
    ci: tuple[float, float] | None = None
    mark: str = ""                    # "best" | "tie" | ""

    @property
    def mean(self) -> float | None:
        vals = [v for v in self.values if v is not None and math.isfinite(v)]
        return float(np.mean(vals)) if vals else None

    @property
    def std(self) -> float | None:
        vals = [v for v in self.values if v is not None and math.isfinite(v)]
        return float(np.std(vals, ddof=1)) if len(vals) > 1 else None


@dataclass
class TableRow:
    row: Row
    cells: dict[str, Cell]
    reference: bool
    seeds: list[int]
    note: str = ""


def _metric(result: dict[str, Any], metric: str, convention: str = "official") -> float | None:
    if convention == "per_sample" and metric == "Synchrony":
        # the per-sample convention scores Synchrony over all samples: LEADERBOARD.md's value, read
        # the one way it is read (the official value scores sample 0 only; docs/metrics.md)
        value = metric_value(result, metric, per_sample=True)
        return float(value) if isinstance(value, (int, float)) else None
    source = result.get("oracle") if metric in ORACLE_COLUMNS else result.get("scores")
    value = (source or {}).get(metric)
    return float(value) if isinstance(value, (int, float)) else None


def _per_direction(result: dict[str, Any], metric: str) -> np.ndarray | None:
    values = (result.get("per_direction") or {}).get(metric)
    return np.asarray(values, np.float64) if values else None


def bootstrap_ci(per_seed: list[np.ndarray], scale: float = 1.0, n_boot: int = BOOTSTRAP,
                 seed: int = 0) -> tuple[float, float] | None:
    """95 % percentile CI of the mean over directions of the seed-averaged per-direction values."""
    if not per_seed or any(p is None for p in per_seed) or len({p.shape for p in per_seed}) != 1:
        return None
    values = np.mean(np.stack(per_seed), axis=0) * scale
    if values.size < 2 or not np.isfinite(values).all():
        return None
    idx = np.random.default_rng(seed).integers(0, values.size, size=(n_boot, values.size))
    means = values[idx].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def metric_columns(plan: Plan) -> list[str]:
    """The spec's metrics, then the oracle metrics when any stored result has them."""
    columns = [m for m in plan.spec.metrics if m not in ORACLE_COLUMNS]
    if plan.spec.frrea is False and "FRRea" in columns and not any(
            _metric(j.result, "FRRea") is not None for j in plan.done if j.result):
        columns.remove("FRRea")
    if any(j.result and j.result.get("oracle") for j in plan.done):
        columns += [m for m in ORACLE_COLUMNS]
    return columns


def build_rows(plan: Plan, convention: str = "official") -> list[TableRow]:
    from ..methods import METHODS

    columns = metric_columns(plan)
    out: list[TableRow] = []
    for row in plan.rows:
        key = (row.group, row.label)
        if key in plan.unavailable:
            out.append(TableRow(row, {c: Cell("not available") for c in columns}, False, [],
                                plan.unavailable[key]))
            continue
        jobs = plan.row_jobs.get(key, [])
        reference = "reference" in METHODS.entry(row.method).tags
        cells: dict[str, Cell] = {}
        done = [j for j in jobs if j.status == "done" and j.result]
        for column in columns:
            if not done:
                cells[column] = Cell("missing")
                continue
            n = int(done[0].result.get("n_samples") or 10)
            scale = 1.0 / n if convention == "per_sample" and column in PER_SAMPLE_SCALED else 1.0
            values = [_metric(j.result, column, convention) for j in done]
            values = [None if v is None else v * scale for v in values]
            all_samples = convention == "per_sample" and column == "Synchrony"    # no per-direction values stored
            ci = None if all_samples else bootstrap_ci([_per_direction(j.result, column) for j in done], scale)
            cells[column] = Cell("ok" if any(v is not None for v in values) else "missing", values, ci)
        failed = [j for j in jobs if j.status == "failed"]
        note = f"{len(failed)} of {len(jobs)} seeds failed" if failed else (
            f"{len(done)} of {len(jobs)} seeds done" if len(done) < len(jobs) else "")
        if failed and not done:
            cells = {c: Cell("failed") for c in columns}
        out.append(TableRow(row, cells, reference, [j.seed for j in done], note))
    _mark_best(out, columns)
    return out


def _mark_best(rows: list[TableRow], columns: list[str]) -> None:
    for group in dict.fromkeys(r.row.group for r in rows):
        members = [r for r in rows if r.row.group == group and not r.reference]
        for column in columns:
            higher = HIGHER_IS_BETTER.get(column)
            scored = [(r.cells[column].mean, r) for r in members if r.cells[column].mean is not None]
            if higher is None or len(scored) < 2:
                continue
            scored.sort(key=lambda t: -t[0] if higher else t[0])
            best, runner_up = scored[0][1].cells[column], scored[1][1].cells[column]
            if not (best.ci and runner_up.ci):
                continue                      # no CI (FRDvs, FRRea): no claim either way
            if best.mean == runner_up.mean:
                tied = [r.cells[column] for m, r in scored if m == best.mean]
                if len(tied) < len(scored):           # all equal: nobody is best, nothing to mark
                    for cell in tied:
                        cell.mark = "tie"
            elif best.ci[0] > runner_up.ci[1] or best.ci[1] < runner_up.ci[0]:
                best.mark = "best"
            else:
                best.mark = "tie"


def _fmt(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"


def cell_text(cell: Cell, with_ci: bool = False) -> str:
    if cell.status != "ok":
        return {"missing": "not run", "failed": "failed", "not available": "not available"}.get(cell.status, cell.status)
    text = _fmt(cell.mean) + (f" ± {cell.std:.2g}" if cell.std is not None else "")
    if with_ci and cell.ci:
        text += f" [{_fmt(cell.ci[0])}, {_fmt(cell.ci[1])}]"
    if cell.mark == "best":
        return f"**{text}**"
    return text + " ≈" if cell.mark == "tie" else text


def _arrow(column: str) -> str:
    higher = HIGHER_IS_BETTER.get(column)
    return "" if higher is None else (" ↑" if higher else " ↓")


def markdown_table(rows: list[TableRow], columns: list[str], with_ci: bool = False) -> str:
    header = "| group | row | seeds | " + " | ".join(c + _arrow(c) for c in columns) + " |"
    lines = [header, "|" + "---|" * (len(columns) + 3)]
    for r in rows:
        label = r.row.label + (" *(reference)*" if r.reference else "")
        cells = " | ".join(cell_text(r.cells[c], with_ci) for c in columns)
        lines.append(f"| {r.row.group} | {label} | {len(r.seeds)} | {cells} |")
    return "\n".join(lines)


def paper_table(plan: Plan, columns: list[str]) -> str | None:
    cols = [c for c in columns if c not in ORACLE_COLUMNS]
    found = [(r, paper_values(plan.spec.paper_table, r.method, r.config)) for r in plan.rows]
    found = [(r, v) for r, v in found if v]
    if not found:
        return None
    lines = ["| group | row | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 2)]
    for r, v in found:
        lines.append(f"| {r.group} | {r.label} | " + " | ".join(_fmt(v.get(c)) for c in cols) + " |")
    return "\n".join(lines)


def render_markdown(plan: Plan, figures: list[str] | None = None, command: str = "") -> str:
    spec = plan.spec
    columns = metric_columns(plan)
    official = build_rows(plan, "official")
    per_sample = build_rows(plan, "per_sample")
    data = f"synthetic profile {plan.profile}" if plan.profile else plan.data_name     # what the jobs ran on
    seeds = sorted({s for r in official for s in r.seeds})
    out = [f"# {spec.title}", "",
           f"Experiment `{spec.name}` on {data} ({spec.split} split, dataset fingerprint "
           f"`{plan.dataset_fingerprint[:12]}`), seeds {seeds or spec.seeds}, {spec.n_samples} samples per "
           "direction. Cells: mean ± std over seeds. **Bold**: best in its group with a 95 % bootstrap CI "
           "(over directions, pooled over seeds) that does not overlap the runner-up's; ≈: best, but the "
           "CIs overlap (a tie). Reference rows are never bold. Oracle metrics (FRCorr_true, FRDist_true, "
           "Coverage, Precision) use the synthetic world's counterfactual ground truth.", ""]
    if command:
        out += [f"Made by: `{command}`", ""]
    if spec.description:
        out += [spec.description.strip(), ""]
    out += ["## Official convention (sums over the samples)", "", markdown_table(official, columns), "",
            "<details><summary>With 95 % bootstrap confidence intervals</summary>", "",
            markdown_table(official, columns, with_ci=True), "", "</details>", "",
            "## Per-sample convention (FRCorr and FRDist ÷ samples, as the REGNN paper prints them)", "",
            "Synchrony here is scored over all samples (the serial official `compute_TLCC`), as in "
            "LEADERBOARD.md's per-sample tables; above it is the official sample-0 value.", "",
            markdown_table(per_sample, columns), ""]
    paper = paper_table(plan, columns)
    if paper:
        out += ["## The paper's own numbers (not comparable)", "",
                f"Dataset: {PAPER_DATASET}. Printed conventions: the naive rows' FRDist is a sum over 10 "
                "samples, the method rows' FRDist and all FRCorr are per-sample (inferred). Ours above are "
                f"measured on {data}; the numbers do not claim comparability.", "", paper, ""]
    notes = [f"- {r.row.group} / {r.row.label}: {r.note}" for r in official if r.note]
    if notes:
        out += ["## Notes", ""] + notes + [""]
    for fig in figures or []:
        out += [f"![{Path(fig).stem}]({Path(fig).name})", ""]
    return "\n".join(out)


def render_csv(plan: Plan) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["experiment", "convention", "group", "row", "method", "config", "metric", "status",
                     "n_seeds", "mean", "std", "ci_low", "ci_high", "mark", "values"])
    for convention in CONVENTIONS:
        for r in build_rows(plan, convention):
            for metric, cell in r.cells.items():
                writer.writerow([plan.spec.name, convention, r.row.group, r.row.label, r.row.method,
                                 r.row.config_json, metric, cell.status, len(r.seeds),
                                 _csv(cell.mean), _csv(cell.std), _csv(cell.ci[0] if cell.ci else None),
                                 _csv(cell.ci[1] if cell.ci else None), cell.mark,
                                 " ".join(_csv(v) for v in cell.values)])
    return buffer.getvalue()


def _csv(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value:.6g}"


def render_latex(plan: Plan) -> str:
    columns = metric_columns(plan)
    rows = build_rows(plan, "official")
    out = [r"\begin{tabular}{ll" + "r" * len(columns) + "}", r"\toprule",
           "Group & Row & " + " & ".join(c.replace("_", r"\_") + ("$\\uparrow$" if HIGHER_IS_BETTER.get(c) else
                                                                   "$\\downarrow$") for c in columns) + r" \\",
           r"\midrule"]
    for r in rows:
        cells = []
        for c in columns:
            cell = r.cells[c]
            text = cell_text(cell).replace("**", "").replace(" ≈", "").replace("±", r"$\pm$")
            cells.append(r"\textbf{" + text + "}" if cell.mark == "best" else text)
        out.append(f"{_tex(r.row.group)} & {_tex(r.row.label)} & " + " & ".join(cells) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(out) + "\n"


def _tex(text: str) -> str:
    """Row labels for pdflatex: its specials escaped, the Greek letters our labels use as math."""
    text = text.replace("&", r"\&").replace("_", r"\_").replace("%", r"\%").replace("#", r"\#")
    for letter, command in (("σ", r"$\sigma$"), ("τ", r"$\tau$"), ("λ", r"$\lambda$")):
        text = text.replace(letter, command)
    return text

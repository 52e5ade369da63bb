"""LEADERBOARD.md, regenerated from the results store alone.

One section per (dataset fingerprint, split). Every stored result is a row: nothing is dropped,
and runs of the same method appear side by side. Each section has:

- the official-convention table (FRCorr and FRDist summed over the 10 samples, Synchrony on
  sample 0) and the per-sample table (both divided by the sample count, Synchrony over all
  samples), each ranked on its own values;
- results whose sample count is not the protocol's 10, listed apart and unranked (their sums are
  not comparable).

Rank rule (written under every table): each result gets a standard competition rank (1, 2, 2, 4)
on FRDist (lower is better) and on FRCorr (higher is better), a missing value ranking last; the
table is ordered by the mean of the two, and results with equal means share a rank. Diversity
metrics are not ranked (they would reward noise such as B_Random).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable

from tabulate import tabulate

from .constants import N_SAMPLES
from .errors import ReactBenchError
from .metrics.meta import METRICS
from .metrics.quirks import SYNCHRONY_SATURATED
from .results import DEFAULT_STORE, StoreProblem, load_results, store_lock, write_text_atomic

DEFAULT_OUT = Path("leaderboard") / "LEADERBOARD.md"
COLUMN_ORDER = tuple(m.name for m in METRICS)          # the paper's column order
LOWER_IS_BETTER = {m.name for m in METRICS if m.higher_is_better is False}
RANKED_BY = ("FRDist", "FRCorr")
# per-sample convention: which stored key replaces the official one
PER_SAMPLE_KEYS = {"FRDist": "FRDist_per_sample", "FRCorr": "FRCorr_per_sample",
                   "Synchrony": "Synchrony_all_samples"}
SATURATED_SYNCHRONY = float(SYNCHRONY_SATURATED)   # the official score when the NaN quirk hits every lag
PLOT_PREFIX = "leaderboard_"
RANK_RULE = ("Rank: standard competition rank (1, 2, 2, 4) on FRDist ↓ and on FRCorr ↑ of this table, "
             "a missing value ranking last; ordered by the mean of the two; equal means share a rank.")
Section = tuple[str, str]          # (dataset fingerprint, split)


def arrow(metric: str) -> str:
    return "↓" if metric in LOWER_IS_BETTER else "↑"


# ------------------------------------------------------------------------------------------ grouping
def sections(results: Iterable[dict[str, Any]]) -> dict[Section, list[dict[str, Any]]]:
    """{(fingerprint, split): results, oldest first}."""
    groups: dict[Section, list[dict[str, Any]]] = defaultdict(list)
    for result in results:
        groups[(fingerprint_of(result), str(result.get("split", "?")))].append(result)
    return dict(groups)


def fingerprint_of(result: dict[str, Any]) -> str:
    return str((result.get("dataset") or {}).get("fingerprint") or "unknown")


def section_title(key: Section, rows: list[dict[str, Any]]) -> str:
    names = sorted({str((r.get("dataset") or {}).get("name") or "unknown") for r in rows})
    return f"{' / '.join(names)} — {key[1]} (dataset {key[0][:12]})"


def row_labels(rows: list[dict[str, Any]]) -> list[str]:
    """The method name (an experiment job's: `method [its row]`), or `method #k` (k in date order)
    where one name has several results; ` (online)` after it for a result of the online track (its `online` record is set),
    ` (online, look-ahead k)` if it saw k speaker frames past each chunk."""
    count: dict[str, int] = defaultdict(int)
    for row in rows:
        count[base_label(row)] += 1
    seen: dict[str, int] = defaultdict(int)
    labels = []
    for row in rows:
        name = base_label(row)
        seen[name] += 1
        label = name if count[name] == 1 else f"{name} #{seen[name]}"
        labels.append(label + _online_tag(row.get("online")))
    return labels


def _online_tag(online: Any) -> str:
    """` (online)`, or ` (online, look-ahead k)` for a run given k speaker frames past its chunk."""
    if not online:
        return ""
    lookahead = online.get("lookahead") if isinstance(online, dict) else None
    return f" (online, look-ahead {lookahead})" if isinstance(lookahead, int) and lookahead > 0 else " (online)"


# ------------------------------------------------------------------------------------------ values
def metric_value(result: dict[str, Any], metric: str, per_sample: bool) -> float | None:
    scores = result.get("scores") or {}
    if per_sample and metric in PER_SAMPLE_KEYS:
        value = (result.get("per_sample") or {}).get(PER_SAMPLE_KEYS[metric])
        if value is None and scores.get(metric) is not None and metric != "Synchrony":
            value = scores[metric] / max(int(result.get("n_samples") or N_SAMPLES), 1)
        return value
    return scores.get(metric)


def competition_ranks(values: list[float | None], higher_is_better: bool) -> list[int]:
    """1 + the number of strictly better values; equal values share a rank; None ranks last."""
    present = [v for v in values if v is not None]
    ranks = []
    for value in values:
        if value is None:
            ranks.append(len(values))
        else:
            ranks.append(1 + sum(1 for v in present if (v > value if higher_is_better else v < value)))
    return ranks


def table_ranks(rows: list[dict[str, Any]], per_sample: bool) -> list[int]:
    """Each row's rank in the table of `rows` under one convention (see RANK_RULE)."""
    means = [0.0] * len(rows)
    for metric in RANKED_BY:
        values = [metric_value(r, metric, per_sample) for r in rows]
        for i, rank in enumerate(competition_ranks(values, metric not in LOWER_IS_BETTER)):
            means[i] += rank / len(RANKED_BY)
    return competition_ranks(means, higher_is_better=False)


def synchrony_saturation(result: dict[str, Any]) -> float | None:
    """Share of directions whose official Synchrony is the saturated value, if the result knows it.

    Results written before the diagnostic existed only tell whether the mean itself is saturated.
    """
    share = (result.get("diagnostics") or {}).get("Synchrony_saturated_share")
    if share is not None:
        return float(share)
    value = (result.get("scores") or {}).get("Synchrony")
    return 1.0 if value == SATURATED_SYNCHRONY else None


# ------------------------------------------------------------------------------------------ tables
def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"


def _ranked_table(rows: list[dict[str, Any]], labels: list[str], per_sample: bool) -> str:
    rank = table_ranks(rows, per_sample)
    order = sorted(range(len(rows)), key=lambda i: (rank[i], labels[i]))
    header = ["Rank", "Method"] + [f"{m} {arrow(m)}" for m in COLUMN_ORDER] + ["S", "run"]
    body = [[str(rank[i]), labels[i]] + [_cell(metric_value(rows[i], m, per_sample)) for m in COLUMN_ORDER]
            + [str(rows[i].get("n_directions", "")), str(rows[i].get("run_id", ""))] for i in order]
    return tabulate(body, headers=header, tablefmt="github", disable_numparse=True)


def _unranked_table(rows: list[dict[str, Any]], labels: list[str], per_sample: bool = True) -> str:
    header = ["Method", "samples"] + [f"{m} {arrow(m)}" for m in COLUMN_ORDER] + ["S", "run"]
    body = [[labels[i], str(r.get("n_samples"))] + [_cell(metric_value(r, m, per_sample)) for m in COLUMN_ORDER]
            + [str(r.get("n_directions", "")), str(r.get("run_id", ""))] for i, r in enumerate(rows)]
    return tabulate(body, headers=header, tablefmt="github", disable_numparse=True)


ORACLE_COLUMNS = (("FRCorr_true", "↑"), ("FRDist_true", "↓"), ("Coverage", "↑"), ("Precision", "↑"))


def is_reference(result: dict[str, Any]) -> bool:
    """Reference rows (tagged "reference" in the registry when run) are shown apart, never ranked."""
    return "reference" in (result.get("method_tags") or [])


def _oracle_table(rows: list[dict[str, Any]], labels: list[str]) -> str:
    header = ["Method"] + [f"{name} {a}" for name, a in ORACLE_COLUMNS] + ["threshold", "run"]
    order = sorted(range(len(rows)), key=lambda i: (-(rows[i]["oracle"].get("Coverage") or 0), labels[i]))
    body = [[labels[i]] + [_cell(rows[i]["oracle"].get(name)) for name, _ in ORACLE_COLUMNS]
            + [_cell(rows[i]["oracle"].get("threshold")), str(rows[i].get("run_id", ""))] for i in order]
    return tabulate(body, headers=header, tablefmt="github", disable_numparse=True)


def _notes(rows: list[dict[str, Any]], labels: list[str]) -> list[str]:
    notes = []
    saturated = [(label, synchrony_saturation(r)) for label, r in zip(labels, rows)]
    saturated = [(label, share) for label, share in saturated if share]
    if saturated:
        listed = ", ".join(f"{label} {share:.0%}" for label, share in saturated)
        notes.append(f"Official Synchrony is saturated: the share of directions scoring exactly "
                     f"{SATURATED_SYNCHRONY:g} (constant speaker columns and the official NaN quirk, "
                     f"docs/metrics.md) is {listed}. Compare methods on Synchrony (NaN-safe) instead.")
    skipped = sorted({f"{k}: {v}" for r in rows for k, v in (r.get("skipped") or {}).items()})
    if skipped:
        notes.append("Skipped metrics: " + "; ".join(skipped))
    return notes


def is_experiment_job(result: dict[str, Any]) -> bool:
    """A result written by `react-bench experiment run` (it carries its job)."""
    return isinstance(result.get("job"), dict)


def on_leaderboard(result: dict[str, Any]) -> bool:
    """Every `run` / `score` result; of experiment jobs, the seed-0 result of each job (the
    experiment tables hold every seed, with CIs)."""
    return not is_experiment_job(result) or int(result["job"].get("seed", 0)) == 0


def base_label(result: dict[str, Any]) -> str:
    job = result.get("job") if is_experiment_job(result) else None
    if job and job.get("label") and str(job["label"]) != str(result["method"]):
        return f"{result['method']} [{job['label']}]"
    return str(result["method"])


def render_leaderboard(results: list[dict[str, Any]], plots: bool = False) -> str:
    """The whole LEADERBOARD.md text; `plots` links each section's picture (written by write_leaderboard)."""
    hidden = sum(not on_leaderboard(r) for r in results)
    results = [r for r in results if on_leaderboard(r)]
    lines = ["# react-bench leaderboard", "",
             "Generated by `react-bench leaderboard` from the results store alone (`leaderboard/results/`, or",
             "`$REACT_BENCH_RESULTS`); do not edit.",
             "↑ higher is better, ↓ lower is better. Every stored result is a row.",
             "Official convention: FRCorr and FRDist are sums over the 10 samples; Synchrony scores",
             "sample 0 only (the official `compute_TLCC_mp`). Per-sample convention: FRCorr/10 and",
             "FRDist/10 (as the REGNN paper prints FRCorr), Synchrony over all samples.",
             "FRRea here uses react-bench's own face renderer, so it is not comparable to published FRRea.",
             "", "Experiment tables (the REGNN paper's Table 1, Table 2 and sensitivity studies, with seeds and "
             "confidence intervals): [experiments/](experiments/README.md)"
             + ("; experiment jobs appear here with their seed-0 result, labelled `method [row]` "
                f"(the other {hidden} seeds are in the tables)." if hidden else "."), ""]
    groups = sections(results)
    if not groups:
        lines.append("_No results yet: run `react-bench run B_Mime` or `react-bench score DIR --method NAME`._")
    for key in sorted(groups):
        rows = groups[key]
        lines += [f"## {section_title(key, rows)}", ""]
        if plots:
            lines += [f"![{section_title(key, rows)}]({section_plot_name(key)})", ""]
        reference = [r for r in rows if is_reference(r)]
        ranked = [r for r in rows if int(r.get("n_samples") or N_SAMPLES) == N_SAMPLES and not is_reference(r)]
        other = [r for r in rows if int(r.get("n_samples") or N_SAMPLES) != N_SAMPLES and not is_reference(r)]
        if ranked:
            labels = row_labels(ranked)
            lines += ["Official convention", "", _ranked_table(ranked, labels, False), "", RANK_RULE, "",
                      "Per-sample convention", "", _ranked_table(ranked, labels, True), "", RANK_RULE, ""]
            lines += [note + "\n" for note in _notes(ranked, labels)]
        if reference:
            labels = row_labels(reference)
            lines += ["Reference rows (not ranked: the ground truth itself, or methods that read the synthetic "
                      "world's ground_truth/; official convention)", "", _unranked_table(reference, labels, False),
                      ""]
        oracle = [r for r in rows if isinstance(r.get("oracle"), dict)]
        if oracle:
            lines += ["Oracle metrics (synthetic data only: scored against each direction's true set of "
                      "appropriate reactions, the counterfactuals; Coverage = share of admissible styles "
                      "matched, Precision = share of samples near some appropriate reaction; docs/metrics.md)",
                      "", _oracle_table(oracle, row_labels(oracle)), ""]
        if other:
            labels = row_labels(other)
            lines += [f"Other sample counts (not ranked: the protocol scores {N_SAMPLES} samples; values in "
                      "the per-sample convention)", "", _unranked_table(other, labels), ""]
            lines += [note + "\n" for note in _notes(other, labels)]
    return "\n".join(lines).rstrip() + "\n"


# ------------------------------------------------------------------------------------------ writing
def section_plot_name(key: Section) -> str:
    from .results import safe_name

    return f"{PLOT_PREFIX}{safe_name(key[0][:12])}_{safe_name(key[1])}.png"


def write_leaderboard(store: Path = DEFAULT_STORE, out: Path = DEFAULT_OUT, plots: bool = True, *,
                      strict: bool = False, locked: bool = False,
                      on_problem: Callable[[StoreProblem], None] | None = None) -> Path:
    """LEADERBOARD.md (atomically) and, beside it, one PNG per (fingerprint, split); stale PNGs go.

    `strict`: any file in the store that is not a result is an error (nothing is written).
    `locked=True` means the caller already holds `store_lock(store)`.
    """
    problems: list[StoreProblem] = []

    def collect(problem: StoreProblem) -> None:
        problems.append(problem)
        if on_problem is not None:
            on_problem(problem)

    out = Path(out)
    with _maybe_lock(store, locked):
        results = load_results(store, on_problem=collect)
        if strict and problems:
            raise ReactBenchError(f"{len(problems)} file(s) in {store} are not results (--strict): "
                                  + "; ".join(str(p) for p in problems))
        groups = sections([r for r in results if on_leaderboard(r)])
        written = set()
        if plots:
            from .leaderboard_plot import plot_section

            for key, rows in groups.items():
                name = section_plot_name(key)
                plot_section(rows, row_labels(rows), section_title(key, rows), out.parent / name)
                written.add(name)
        for stale in out.parent.glob(f"{PLOT_PREFIX}*.png"):
            if stale.name not in written:
                stale.unlink()
        write_text_atomic(out, render_leaderboard(results, plots=plots))
    return out


def _maybe_lock(store: Path, locked: bool):
    import contextlib

    return contextlib.nullcontext() if locked else store_lock(store)

"""A picture per leaderboard section: appropriateness (FRCorr vs FRDist) and each diversity metric.

Points in the scatter carry numbers, not names (names overlap when methods score alike); the
diversity panels list "number name" on their axes, which is the scatter's key (a legend would
cover the points). Rows with FRDist 0 (the ground truth itself, GT) are left out of the scatter
and named in its title: they would squash every method into one corner. Each diversity metric
has its own panel and axis, so a small FRVar is as visible as a large FRDvs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DIVERSITY = ("FRVar", "FRDvs", "FRDiv")


def plot_section(rows: list[dict[str, Any]], labels: list[str], title: str, out: Path) -> Path:
    """Left: FRCorr/n against FRDist/n (better = up and left). Right: one bar panel per diversity metric."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .leaderboard import metric_value

    n = len(rows)
    height = max(3.6, 0.32 * n + 1.6)
    fig = plt.figure(figsize=(13, height))
    # column 1 is an empty gap that holds the bar panels' method names
    grid = fig.add_gridspec(1, 5, width_ratios=[1.6, 0.55, 1, 1, 1], wspace=0.1)
    scatter = fig.add_subplot(grid[0])
    colors = plt.get_cmap("tab20")
    hidden = []
    for i, (row, label) in enumerate(zip(rows, labels)):
        x = metric_value(row, "FRDist", True)
        y = metric_value(row, "FRCorr", True)
        if x is None or y is None:
            continue
        if x == 0:
            hidden.append(f"{i + 1} {label}")
            continue
        scatter.scatter([x], [y], s=90, color=colors(i % 20), label=f"{i + 1}  {label}", zorder=3)
        scatter.annotate(str(i + 1), (x, y), ha="center", va="center", fontsize=7, color="white",
                         weight="bold", zorder=4)
    scatter.set_xlabel("FRDist per sample ↓")
    scatter.set_ylabel("FRCorr per sample ↑")
    note = f"\nnot shown (FRDist 0, the ground truth): {', '.join(hidden)}" if hidden else ""
    scatter.set_title("appropriateness (up and left is better); key: the names at the right" + note, fontsize=8)
    scatter.grid(alpha=0.3)
    positions = list(range(n))[::-1]            # first row on top
    first = None
    for j, metric in enumerate(DIVERSITY):
        panel = fig.add_subplot(grid[j + 2], sharey=first)
        first = first or panel
        values = [metric_value(r, metric, False) for r in rows]
        panel.barh(positions, [v or 0.0 for v in values], color=[colors(i % 20) for i in range(n)])
        for pos, value in zip(positions, values):
            text = "–" if value is None else f"{value:.3g}"
            panel.text(0, pos, f" {text}", va="center", fontsize=7)
        panel.set_title(f"{metric} ↑", fontsize=9)
        panel.grid(axis="x", alpha=0.3)
        panel.tick_params(axis="x", labelsize=7)
        if j == 0:
            panel.set_yticks(positions)
            panel.set_yticklabels([f"{i + 1} {label}" for i, label in enumerate(labels)], fontsize=8)
        else:
            panel.tick_params(axis="y", labelleft=False)
    fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.05, right=0.99, top=0.88, bottom=0.14)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out

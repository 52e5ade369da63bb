"""A picture per leaderboard section: appropriateness (FRCorr vs FRDist) and diversity, per method."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_section(rows: dict[str, dict[str, Any]], title: str, out: Path) -> Path:
    """Left: FRCorr/10 against FRDist/10 (better = up and left). Right: FRVar, FRDvs, FRDiv bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .leaderboard import metric_value

    methods = sorted(rows)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for method in methods:
        x = metric_value(rows[method], "FRDist", True)
        y = metric_value(rows[method], "FRCorr", True)
        if x is None or y is None:
            continue
        left.scatter([x], [y], s=40)
        left.annotate(method, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    left.set_xlabel("FRDist per sample ↓")
    left.set_ylabel("FRCorr per sample ↑")
    left.set_title("appropriateness (up and left is better)", fontsize=9)
    left.grid(alpha=0.3)
    width = 0.8 / 3
    for offset, metric in enumerate(("FRVar", "FRDvs", "FRDiv")):
        values = [metric_value(rows[m], metric, False) or 0.0 for m in methods]
        right.bar([i + (offset - 1) * width for i in range(len(methods))], values, width, label=f"{metric} ↑")
    right.set_xticks(range(len(methods)))
    right.set_xticklabels(methods, rotation=30, ha="right", fontsize=8)
    right.set_title("diversity", fontsize=9)
    right.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out

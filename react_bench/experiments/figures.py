"""Figures of an experiment, written next to its markdown.

- A sweep (sensitivity study, REGNN paper Figs 8, 10, 11): each metric against the swept
  parameter, one panel per metric group, error bars = std over seeds.
- A table: FRCorr against FRDist (official sums), one numbered point per row with 95 % CI bars
  (up and left is better); reference rows are hollow.
"""

from __future__ import annotations

from pathlib import Path

from .tables import HIGHER_IS_BETTER, TableRow

PANELS = (("appropriateness", ("FRDist", "FRDist_true")), ("correlation", ("FRCorr", "FRCorr_true", "PCC")),
          ("diversity", ("FRVar", "FRDiv", "FRDvs")), ("synchrony", ("Synchrony",)),
          ("style coverage", ("Coverage", "Precision")))


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def sweep_figure(rows: list[TableRow], parameter: str, title: str, out: Path) -> Path | None:
    plt = _pyplot()
    xs_all = [r.row.sweep_value for r in rows]
    numeric = all(isinstance(x, (int, float)) for x in xs_all)
    panels = [(name, [m for m in metrics if any(r.cells.get(m) and r.cells[m].mean is not None for r in rows)])
              for name, metrics in PANELS]
    panels = [(name, metrics) for name, metrics in panels if metrics]
    if not panels:
        return None
    cols = min(3, len(panels))
    nrows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 3.4 * nrows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, (name, metrics) in zip(axes.flat, panels):
        for metric in metrics:
            pts = [(r.row.sweep_value, r.cells[metric].mean, r.cells[metric].std or 0.0) for r in rows
                   if r.cells[metric].mean is not None]
            if not pts:
                continue
            x = [p[0] if numeric else i for i, p in enumerate(pts)]
            arrow = "↑" if HIGHER_IS_BETTER.get(metric) else "↓"
            ax.errorbar(x, [p[1] for p in pts], yerr=[p[2] for p in pts], marker="o", capsize=3,
                        label=f"{metric} {arrow}")
        if numeric and all(v > 0 for v in xs_all) and max(xs_all) / min(xs_all) >= 20:
            ax.set_xscale("log")
        if not numeric:
            ax.set_xticks(range(len(xs_all)), [str(v) for v in xs_all])
        ax.set_xlabel(parameter)
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title + "  (mean ± std over seeds)", fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def label_offsets(ax, points: list[tuple[float, float]], distance: float = 9.0) -> list[tuple[float, float]]:
    """For each point, an offset in points (one of 8 directions) for its number label, chosen
    greedily to lie farthest from every marker and from the labels placed before it, so that the
    numbers of close points do not cover each other."""
    import numpy as np

    px_per_point = ax.figure.dpi / 72.0
    centres = ax.transData.transform(np.asarray(points, float)) / px_per_point     # in points
    directions = [(np.cos(a), np.sin(a)) for a in np.deg2rad([45, 135, 315, 225, 90, 0, 270, 180])]
    placed: list[np.ndarray] = []
    offsets = []
    for centre in centres:
        best, best_gap = directions[0], -1.0
        for dx, dy in directions:
            spot = centre + distance * np.array([dx, dy])
            others = np.vstack([centres] + ([np.array(placed)] if placed else []))
            gap = float(np.min(np.hypot(*(others - spot).T)))
            if gap > best_gap + 1e-9:
                best, best_gap = (dx, dy), gap
        offsets.append((distance * best[0], distance * best[1]))
        placed.append(centre + distance * np.array(best))
    return offsets


def scatter_figure(rows: list[TableRow], title: str, out: Path) -> Path | None:
    plt = _pyplot()
    pts, labels, seen, hidden = [], [], {}, []
    for r in rows:       # rows that are one job (same method and config) are one point, labels joined
        if not (r.cells.get("FRDist") and r.cells["FRDist"].mean is not None
                and r.cells.get("FRCorr") and r.cells["FRCorr"].mean is not None):
            continue
        truth = any(r.cells.get(m) and r.cells[m].mean == 0 for m in ("FRDist", "FRDist_true"))
        if r.reference and truth:       # the ground truth itself (GT, Oracle_style) would squash the axes
            hidden.append(r.row.label)
            continue
        key = (r.row.method.lower(), r.row.config_json)
        if key in seen:
            labels[seen[key]] += f" = {r.row.label}"
            continue
        seen[key] = len(pts)
        pts.append(r)
        labels.append(r.row.label)
    if not pts:
        return None
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    colors = plt.get_cmap("tab20")
    for i, (r, label) in enumerate(zip(pts, labels)):
        x, y = r.cells["FRDist"], r.cells["FRCorr"]
        xerr = [[x.mean - x.ci[0]], [x.ci[1] - x.mean]] if x.ci else None
        yerr = [[y.mean - y.ci[0]], [y.ci[1] - y.mean]] if y.ci else None
        color = colors(i % 20)
        ax.errorbar([x.mean], [y.mean], xerr=xerr, yerr=yerr, fmt="none", ecolor=color, alpha=0.7, capsize=2)
        ax.scatter([x.mean], [y.mean], s=45, color="white" if r.reference else color, edgecolors=color,
                   linewidths=1.5, zorder=3, label=f"{i + 1}  {label}" + (" (reference)" if r.reference else ""))
    ax.autoscale_view()
    from matplotlib import patheffects

    centres = [(r.cells["FRDist"].mean, r.cells["FRCorr"].mean) for r in pts]
    for i, ((x, y), offset) in enumerate(zip(centres, label_offsets(ax, centres))):
        dark = tuple(0.6 * c for c in colors(i % 20)[:3])      # light tab20 colours, darkened to be read
        ax.annotate(str(i + 1), (x, y), xytext=offset, textcoords="offset points", ha="center", va="center",
                    fontsize=7.5, weight="bold", color=dark, zorder=4,
                    path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    ax.set_xlabel("FRDist (official sum) ↓")
    ax.set_ylabel("FRCorr (official sum) ↑")
    note = f"\nnot shown (the ground truth itself): {', '.join(hidden)}" if hidden else ""
    ax.set_title(title + "\nmean over seeds, 95 % bootstrap CI over directions; up and left is better" + note,
                 fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), framealpha=0.9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out

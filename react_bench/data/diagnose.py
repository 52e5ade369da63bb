"""`react-bench data diagnose`: what a dataset measures, in one report.

On a synthetic world with counterfactual ground truth: the world's figures (partner-explained
variance, style separation, the mean-over-styles penalty, constant columns; see
react_bench.data.world_diagnostics), the calibration of the naive rows against the REGNN paper's
Table 1, and the reference rows' standard and oracle scores. Real data (no `ground_truth/`) gets
the subset that applies: constant columns and the naive rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from .ground_truth import has_counterfactuals, load_counterfactuals

REFERENCE_ROWS = ("Oracle_style", "Context_mean", "Ideal_sampler")
REFERENCE_METRICS = ("FRDist", "FRCorr", "FRDiv", "FRVar")
Progress = Callable[[str, int, int], None]


def diagnose(root: Path, split: str = "test", *, references: bool = True,
             progress: Progress | None = None) -> dict[str, Any]:
    """The report as plain data (JSON-able)."""
    from . import world_diagnostics as wd
    from .reader import load_split

    root = Path(root)
    if has_counterfactuals(root, split):
        report: dict[str, Any] = {"kind": "synthetic world with counterfactual ground truth",
                                  **wd.world_figures(root, split, progress=progress)}
    else:
        data = load_split(root, split, features=False, progress=progress)
        train = load_split(root, "train", features=False) if (root / "train.csv").is_file() else None
        report = {"kind": "dataset without counterfactual ground truth (world figures and oracle metrics "
                          "need a synthetic world v2)",
                  "split": split, "directions": data.n_directions,
                  "constant_columns": wd.constant_columns(np.asarray(data.speaker), np.asarray(data.listener))}
        if data.appropriate is not None:
            report["calibration"] = wd.calibration_rows(np.asarray(data.speaker), np.asarray(data.listener),
                                                        data.appropriate,
                                                        None if train is None else np.asarray(train.speaker),
                                                        progress=progress)
    if references and has_counterfactuals(root, split):
        report["reference_rows"] = reference_rows(root, split, progress)
    return report


def reference_rows(root: Path, split: str, progress: Progress | None = None) -> dict[str, dict[str, float]]:
    """Standard and oracle scores of the reference rows (fit on train, 10 samples, seed 0)."""
    from ..methods import get_method
    from ..metrics import score_arrays
    from ..metrics.oracle import oracle_scores
    from .reader import load_split

    train = load_split(root, "train", features=False)
    target = load_split(root, split, features=False)
    cf, styles = load_counterfactuals(root, split, target.n_directions)
    out = {}
    for n, name in enumerate(REFERENCE_ROWS):
        method = get_method(name)
        method.fit(train, None, seed=0)
        pred = method.predict(target, n_samples=10, seed=0)
        scores = score_arrays(pred, target.listener, target.speaker, target.appropriate,
                              metrics=REFERENCE_METRICS)
        out[name] = {**scores, **oracle_scores(pred, cf, styles)}
        if progress is not None:
            progress("reference rows", n + 1, len(REFERENCE_ROWS))
    return out

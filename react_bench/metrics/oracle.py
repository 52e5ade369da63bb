"""Oracle metrics: scores against the *true* set of appropriate reactions (synthetic data only).

The synthetic world writes, for every direction, counterfactual reactions: the same listener driven
by the recorded speaker under each admissible style, with several noise draws per style
(`ground_truth/counterfactual_<split>.npy`, (S, K, T, 25), and their styles (S, K)). No real
dataset knows this set, so these metrics are labelled as oracle metrics everywhere.

- FRCorr_true, FRDist_true: the official formulas and kernels (sum over samples, mean over
  directions), with each direction's appropriate set replaced by its counterfactual set.
- Coverage (style recall): per direction, the share of its admissible styles matched by at least
  one sample; a sample matches the style of its nearest counterfactual (FRDist's weighted DTW) if
  that distance is within the threshold. Mean over directions.
- Precision: the share of all samples within the threshold of some counterfactual.
- The threshold is calibrated from the ground truth alone: the THRESHOLD_QUANTILE quantile of the
  distance between two draws of the same style of the same direction, i.e. "as close as two
  independent appropriate reactions of that style are to each other". Never from predictions.
"""

from __future__ import annotations

import numpy as np

from react_bench.errors import MetricInputError
from react_bench.metrics import ccc, frdist

THRESHOLD_QUANTILE = 0.9
ORACLE_KEYS = ("FRCorr_true", "FRDist_true", "Coverage", "Precision")


def counterfactual_lists(n_directions: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR neighbour lists in which direction s's appropriate rows are s*k .. s*k + k - 1."""
    indptr = np.arange(n_directions + 1, dtype=np.int64) * k
    return indptr, np.arange(n_directions * k, dtype=np.int64)


def _check(pred: np.ndarray, counterfactuals: np.ndarray, styles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred = np.ascontiguousarray(pred, dtype=np.float32)
    cf = np.ascontiguousarray(counterfactuals, dtype=np.float32)
    if pred.ndim != 4 or cf.ndim != 4 or cf.shape[0] != pred.shape[0] or cf.shape[2:] != pred.shape[2:]:
        raise MetricInputError(f"counterfactuals {cf.shape} do not match predictions {pred.shape} "
                               "(expected (S, K, T, 25) with the predictions' S, T)")
    if np.asarray(styles).shape != cf.shape[:2]:
        raise MetricInputError(f"styles {np.asarray(styles).shape} must be (S, K) = {cf.shape[:2]}")
    if not (np.isfinite(pred).all() and np.isfinite(cf).all()):
        raise MetricInputError("predictions and counterfactuals must be finite")
    return pred, cf


def distances_to_counterfactuals(pred: np.ndarray, counterfactuals: np.ndarray) -> np.ndarray:
    """(S, n, K) FRDist distance (official weighted DTW) of every sample to every counterfactual."""
    s, k = counterfactuals.shape[:2]
    out = np.empty((s, pred.shape[1], k))
    single = np.arange(s + 1, dtype=np.int64)                 # one appropriate row per direction
    for j in range(k):                                          # the kernel's own min is exact
        best, _ = frdist.frdist_best(pred, np.ascontiguousarray(counterfactuals[:, j]), single,
                                     np.arange(s, dtype=np.int64))
        out[:, :, j] = best
    return out


def within_style_distances(counterfactuals: np.ndarray, styles: np.ndarray) -> np.ndarray:
    """Distances between the first draw of each (direction, style) and its other draws."""
    s, k = styles.shape
    found = []
    for j in range(k):
        for m in range(j + 1, k):
            same = styles[:, j] == styles[:, m]
            first = np.array([not (styles[r, :j] == styles[r, j]).any() for r in range(s)])
            rows = np.flatnonzero(same & first)
            if rows.size == 0:
                continue
            single = np.arange(rows.size + 1, dtype=np.int64)
            best, _ = frdist.frdist_best(np.ascontiguousarray(counterfactuals[rows, j][:, None]),
                                         np.ascontiguousarray(counterfactuals[rows, m]), single,
                                         np.arange(rows.size, dtype=np.int64))
            found.append(best[:, 0])
    if not found:
        raise MetricInputError("counterfactuals need at least two draws of some style to calibrate the "
                               "coverage threshold")
    return np.concatenate(found)


def style_threshold(counterfactuals: np.ndarray, styles: np.ndarray,
                    quantile: float = THRESHOLD_QUANTILE) -> float:
    """The coverage threshold: a quantile of the within-style draw-to-draw distances."""
    return float(np.quantile(within_style_distances(np.asarray(counterfactuals, np.float32), np.asarray(styles)),
                             quantile))


def coverage_precision_per_direction(distances: np.ndarray, styles: np.ndarray, threshold: float
                                     ) -> tuple[np.ndarray, np.ndarray]:
    """(S,) coverage and (S,) precision per direction from (S, n, K) distances and (S, K) styles."""
    nearest = distances.argmin(axis=2)                         # (S, n)
    within = np.take_along_axis(distances, nearest[..., None], axis=2)[..., 0] <= threshold
    coverage = np.empty(distances.shape[0])
    for s in range(distances.shape[0]):
        matched = {int(styles[s, c]) for c, ok in zip(nearest[s], within[s]) if ok}
        coverage[s] = len(matched) / len(np.unique(styles[s]))
    return coverage, within.mean(axis=1)


def coverage_precision(distances: np.ndarray, styles: np.ndarray, threshold: float) -> tuple[float, float]:
    """(coverage, precision) from (S, n, K) distances and (S, K) styles (see the module docstring).
    Every direction has n samples, so the mean of per-direction precisions is the overall share."""
    coverage, precision = coverage_precision_per_direction(distances, styles, threshold)
    return float(np.mean(coverage)), float(np.mean(precision))


def oracle_scores(predictions: np.ndarray, counterfactuals: np.ndarray, styles: np.ndarray,
                  threshold: float | None = None,
                  per_direction: dict[str, np.ndarray] | None = None) -> dict[str, float]:
    """FRCorr_true, FRDist_true, Coverage, Precision and the threshold used. ``per_direction``,
    when given, receives each metric's (S,) per-direction values (their mean is the metric)."""
    pred, cf = _check(predictions, counterfactuals, styles)
    styles = np.asarray(styles)
    s, k = styles.shape
    if threshold is None:
        threshold = style_threshold(cf, styles)
    indptr, indices = counterfactual_lists(s, k)
    flat = np.ascontiguousarray(cf.reshape(s * k, *cf.shape[2:]))
    best_ccc, _ = ccc.ccc_pcc_best(pred, flat, indptr, indices)
    distances = distances_to_counterfactuals(pred, cf)
    coverage, precision = coverage_precision_per_direction(distances, styles, threshold)
    if per_direction is not None:
        per_direction.update({"FRCorr_true": ccc.sum_over_samples(best_ccc),
                              "FRDist_true": ccc.sum_over_samples(distances.min(axis=2)),
                              "Coverage": coverage, "Precision": precision})
    return {"FRCorr_true": ccc.frcorr_from_best(best_ccc),
            "FRDist_true": frdist.frdist_from_best(distances.min(axis=2)),
            "Coverage": float(np.mean(coverage)), "Precision": float(np.mean(precision)),
            "threshold": float(threshold)}

"""REACT metrics with the official semantics (react_metrics.md §2), fast.

Entry points:

* :func:`score_arrays` -> dict of plain floats (keys in :data:`SCORE_KEYS`).
* :func:`score_arrays_timed` -> (scores, seconds per computation).
* :data:`METRICS`: metadata of the table columns in the paper's order.

Everything is a pure function of numpy arrays; see docs/metrics.md for definitions and quirks.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable

import numpy as np

from react_bench.errors import MetricInputError
from react_bench.metrics.meta import EXTRA_KEYS, METRICS, METRICS_BY_NAME, MetricInfo
from react_bench.metrics.validate import neighbour_lists, validate_inputs

__all__ = ["score_arrays", "score_arrays_timed", "METRICS", "METRICS_BY_NAME", "MetricInfo",
           "SCORE_KEYS", "EXTRA_KEYS", "resolve_device"]

SCORE_KEYS = ("FRCorr", "FRDist", "PCC", "FRVar", "FRDvs", "FRDiv", "Synchrony", "Synchrony_nan_safe",
              "Synchrony_all_samples", "FRCorr_per_sample", "FRDist_per_sample", "Synchrony_saturated_share")

# One computation can produce several keys; timings are reported per computation.
_GROUPS = {
    "FRDist": ("FRDist", "FRDist_per_sample"),
    "FRCorr+PCC": ("FRCorr", "PCC", "FRCorr_per_sample"),
    "FRDiv+FRVar": ("FRDiv", "FRVar"),
    "FRDvs": ("FRDvs",),
    "Synchrony": ("Synchrony", "Synchrony_nan_safe", "Synchrony_all_samples", "Synchrony_saturated_share"),
}

METRIC_GROUPS = _GROUPS           # public name: which keys each timed computation produces

ProgressFn = Callable[[str, int, int], None]


def resolve_device(device: str) -> str:
    """"cpu", "cuda", "cuda:N" or "auto" (cuda when torch sees a GPU), checked by the one resolver
    (``devices.device_name``); errors are MetricInputError."""
    from ..devices import device_name

    return device_name(device, error=MetricInputError)


def _groups_for(metrics: Iterable[str] | None) -> dict[str, tuple[str, ...]]:
    if metrics is None:
        return dict(_GROUPS)
    wanted = list(metrics)
    unknown = [m for m in wanted if m not in SCORE_KEYS]
    if unknown:
        raise MetricInputError(f"unknown metric(s) {unknown}; known: {list(SCORE_KEYS)}")
    return {g: keys for g, keys in _GROUPS.items() if any(k in wanted for k in keys)}


def score_arrays_timed(
    predictions: np.ndarray,
    listener: np.ndarray,
    speaker: np.ndarray,
    appropriate: np.ndarray,
    device: str = "cpu",
    metrics: Iterable[str] | None = None,
    progress: ProgressFn | None = None,
    per_direction: dict[str, np.ndarray] | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """Like :func:`score_arrays`, and also seconds per computation (keys of ``_GROUPS``:
    "FRDist", "FRCorr+PCC", "FRDiv+FRVar", "FRDvs", "Synchrony").

    ``per_direction``, when given, receives for each computed metric that is a mean over
    directions (FRDist, FRCorr, PCC, FRDiv, FRVar, Synchrony) its (S,) per-direction values: the
    experiment tables bootstrap their confidence intervals from these. FRDvs compares directions
    with each other and has none."""
    from react_bench.metrics import ccc, diversity, frdist, tlcc

    dev = resolve_device(device)
    if dev.startswith("cuda:"):             # the kernels use the current CUDA device: make it GPU N
        import torch

        with torch.cuda.device(int(dev[5:])):
            return score_arrays_timed(predictions, listener, speaker, appropriate, "cuda", metrics, progress,
                                      per_direction)
    groups = _groups_for(metrics)
    pred, lst, spk, mb = validate_inputs(predictions, listener, speaker, appropriate)
    pred = np.ascontiguousarray(pred)
    lst = np.ascontiguousarray(lst)
    spk = np.ascontiguousarray(spk)
    indptr, indices = neighbour_lists(mb)
    n = pred.shape[1]
    scores: dict[str, float] = {}
    seconds: dict[str, float] = {}
    directions: dict[str, np.ndarray] = {} if per_direction is None else per_direction

    def report(name: str, done: int, total: int) -> None:
        if progress is not None:
            progress(name, done, total)

    for group in groups:
        steps = pred.shape[0] if group == "FRDist" else 1      # FRDist counts directions
        report(group, 0, steps)
        t0 = time.perf_counter()
        if group == "FRDist":
            if dev == "cuda":
                from react_bench.metrics import dtw_gpu
                best = dtw_gpu.frdist_best_gpu(pred, lst, indptr, indices,
                                              progress=lambda d, t: report(group, d, t))
            else:
                best, _ = frdist.frdist_best(pred, lst, indptr, indices,
                                             progress=lambda d, t: report(group, d, t))
            scores["FRDist"] = frdist.frdist_from_best(best)
            scores["FRDist_per_sample"] = scores["FRDist"] / n
            directions["FRDist"] = ccc.sum_over_samples(best)
        elif group == "FRCorr+PCC":
            if dev == "cuda":
                from react_bench.metrics.ccc_torch import ccc_pcc_best_torch
                best_ccc, best_pcc = ccc_pcc_best_torch(pred, lst, indptr, indices, device="cuda")
            else:
                best_ccc, best_pcc = ccc.ccc_pcc_best(pred, lst, indptr, indices)
            scores["FRCorr"] = ccc.frcorr_from_best(best_ccc)
            scores["PCC"] = ccc.pcc_from_best(best_pcc)
            scores["FRCorr_per_sample"] = scores["FRCorr"] / n
            directions["FRCorr"] = ccc.sum_over_samples(best_ccc)
            directions["PCC"] = np.asarray(best_pcc, np.float64).mean(axis=1)
        elif group == "FRDiv+FRVar":
            scores["FRDiv"], scores["FRVar"] = diversity.frdiv_frvar(pred, directions)
        elif group == "FRDvs":
            scores["FRDvs"] = diversity.frdvs(pred)
        elif group == "Synchrony":
            if metrics is None or "Synchrony_nan_safe" in set(metrics):
                offsets, safe = tlcc.tlcc_offsets_with_nan_safe(pred, spk)
                scores["Synchrony_nan_safe"] = tlcc.synchrony_nan_safe(safe)
            else:   # the official kernel alone skips every correlation of a NaN lag
                offsets = tlcc.tlcc_offsets(pred, spk)
            scores["Synchrony"], scores["Synchrony_all_samples"] = tlcc.synchrony_scores(offsets)
            scores["Synchrony_saturated_share"] = tlcc.synchrony_saturated_share(offsets)
            directions["Synchrony"] = tlcc.official_sample_offsets(offsets)
        seconds[group] = time.perf_counter() - t0
        report(group, steps, steps)

    wanted = SCORE_KEYS if metrics is None else tuple(k for k in SCORE_KEYS if k in set(metrics))
    return {k: float(scores[k]) for k in wanted}, seconds


def score_arrays(
    predictions: np.ndarray,
    listener: np.ndarray,
    speaker: np.ndarray,
    appropriate: np.ndarray,
    device: str = "cpu",
    metrics: Iterable[str] | None = None,
    progress: ProgressFn | None = None,
) -> dict[str, float]:
    """Score predictions (S, n, T, 25) against listener/speaker (S, T, 25) and the (S, S) 0/1
    appropriateness matrix (row k: directions j whose real listener reaction suits speaker k).

    Returns plain floats for SCORE_KEYS (or the subset named in ``metrics``). FRDist and FRCorr
    are the official sums over the n samples; *_per_sample divide by n. ``device`` is "cpu",
    "cuda" or "auto"; ``progress(name, done, total)`` is called as computations advance.
    Raises MetricInputError on bad shapes, non-finite values or an empty appropriate row.
    """
    return score_arrays_timed(predictions, listener, speaker, appropriate, device=device,
                              metrics=metrics, progress=progress)[0]

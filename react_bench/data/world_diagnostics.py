"""Measured properties of a synthetic world (docs/synthetic_world.md, "Measured properties").

``world_figures(source, split)`` computes, from a generated dataset root (its Emotion CSVs, split
CSVs, ``neighbour_emotion_<split>.npy`` and ``ground_truth/``) or from the in-memory arrays of
``synth.generate_arrays(..., counterfactuals=True)``:

- ``partner_share``: the share of a listener's within-clip variance that the recorded speaker
  determines. Definition: two counterfactual reactions of one listener under one style to one
  recorded speaker trajectory differ only by the listener's own noise, so the within-clip
  covariance of the two draws is the variance of the speaker-driven part. Per column group
  (valence/arousal, AUs, expressions) it is sum cov(draw 0, draw 1) / sum (var 0 + var 1) / 2 over
  directions, styles and the group's columns (an intraclass correlation; constant columns add 0
  to both sums).
- ``style_separation``: official-convention CCC (mean over 25 columns, a constant column counts
  0) and the FRDist-weighted DTW between two draws of one style ("within") and between draws of
  two different admissible styles ("between"), for the same listener and recorded speaker.
- ``mean_over_styles``: how much of one style's draws its own expected reaction explains
  (C_same / V) against the mean over the context's styles ((C_same + 2 C_diff) / 3V), with
  C_same / C_diff the within-clip covariance of draws of the same / different styles and V the
  variance (pooled over all 25 columns); and the CCC of the mean of the draw-0 reactions over
  styles with each style's draw 1 against the CCC of a style's draw 0 with its own draw 1.
- ``recorded_vs_counterfactual``: the recorded listener against its own style's and the other
  styles' counterfactuals (CCC, DTW, variance ratio), beside the same figures between two
  counterfactual draws.
- ``constant_columns``: the share of clips with a never-changing AU column (what saturates the
  official Synchrony at 49, react_metrics.md §2.7), and the mean number of such columns.
- ``calibration`` (optional): the naive rows GT, B_Random, B_Mime, B_MeanSeq, B_MeanFr scored with
  ``react_bench.metrics.score_arrays`` (official sums over 10 samples), beside the REGNN paper's
  Table 1 values (``PAPER_ROWS``) and the tolerances of issue 10 §4.

Everything is read-only; nothing here is used by methods or scoring.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

import numpy as np

from react_bench.constants import N_FRAMES
from react_bench.metrics.ccc import paired_ccc

ProgressFn = Callable[[str, int, int], None]

# REGNN Table 1 (official convention: FRDist and FRCorr summed over 10 samples; literature.md §4.1)
PAPER_ROWS: dict[str, dict[str, float]] = {
    "GT": {"FRVar": 0.072, "FRDvs": 0.248, "Synchrony": 47.69},
    "B_Random": {"FRDist": 237.21},
    "B_Mime": {"FRDist": 92.94, "FRCorr": 0.38, "Synchrony": 38.54},
    "B_MeanSeq": {"FRDist": 97.12},
    "B_MeanFr": {"FRDist": 97.85},
}
# what each row scores: its targets plus cheap informative metrics (B_Random's FRCorr costs an
# hour on the paper profile: 10 distinct samples against ~200 appropriate reactions each)
ROW_METRICS: dict[str, tuple[str, ...]] = {
    "GT": ("FRCorr", "FRVar", "FRDvs", "Synchrony", "Synchrony_saturated_share"),
    "B_Random": ("FRDist", "FRVar", "FRDvs", "Synchrony", "Synchrony_saturated_share"),
    "B_Mime": ("FRDist", "FRCorr", "Synchrony", "Synchrony_saturated_share"),
    "B_MeanSeq": ("FRDist", "FRCorr", "Synchrony", "Synchrony_saturated_share"),
    "B_MeanFr": ("FRDist", "Synchrony", "Synchrony_saturated_share"),
}
# relative tolerance per metric (FRCorr: a factor)
TOLERANCE = {"FRDist": 0.25, "FRVar": 0.25, "FRDvs": 0.25, "Synchrony": 0.10, "FRCorr": 2.0}
N_SAMPLES = 10
GROUPS = {"valence_arousal": slice(15, 17), "au": slice(0, 15), "expression": slice(17, 25)}


# ------------------------------------------------------------------------------------------------
# loading
# ------------------------------------------------------------------------------------------------

def _listener_styles(root: Path, split: str, listener_paths: list[str]) -> np.ndarray:
    with open(root / "ground_truth" / f"contexts_{split}.csv", newline="") as f:
        style = {row["path"]: int(row["style"]) for row in csv.DictReader(f)}
    return np.array([style[p] for p in listener_paths], np.int64)


def load_world_arrays(root: str | Path, split: str = "test", *, train: bool = True) -> dict:
    """The arrays ``world_figures`` needs, read from a generated dataset root."""
    from react_bench.data.reader import load_split

    root = Path(root)
    data = load_split(root, split, features=False)
    gt = root / "ground_truth"
    out = {
        "speaker": data.speaker, "listener": data.listener, "appropriate": data.appropriate,
        "counterfactual": np.load(gt / f"counterfactual_{split}.npy", mmap_mode="r"),
        "counterfactual_styles": np.load(gt / f"counterfactual_styles_{split}.npy"),
        "listener_style": _listener_styles(root, split, data.listener_paths),
    }
    if train:
        out["train_speaker"] = load_split(root, "train", features=False).speaker
    return out


# ------------------------------------------------------------------------------------------------
# statistics
# ------------------------------------------------------------------------------------------------

def _centred(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x - x.mean(axis=-2, keepdims=True)


def _pair_dtw(pairs: list[tuple[np.ndarray, np.ndarray]], downsample: int) -> np.ndarray:
    from react_bench.metrics.dtw import weighted_dtw_cross

    out = np.empty(len(pairs))
    for n, (a, b) in enumerate(pairs):
        out[n] = weighted_dtw_cross(a[None], b[None], downsample=downsample)[0, 0]
    return out * np.sqrt(downsample)


def partner_share(cf: np.ndarray, draws: int = 2) -> dict[str, float]:
    """Intraclass share per column group from counterfactuals (S, K, T, 25), entry slot*draws+d."""
    s, k = cf.shape[:2]
    x = _centred(cf).reshape(s, k // draws, draws, cf.shape[2], cf.shape[3])
    cov = (x[:, :, 0] * x[:, :, 1]).mean(-2)                    # (S, slots, 25)
    var = ((x[:, :, 0] ** 2).mean(-2) + (x[:, :, 1] ** 2).mean(-2)) / 2
    out = {g: float(cov[..., sl].sum() / var[..., sl].sum()) for g, sl in GROUPS.items()}
    out["facial"] = min(out["au"], out["expression"])
    return out


def _variance_decomposition(cf: np.ndarray, draws: int) -> dict[str, float]:
    s, k, t, d = cf.shape
    x = _centred(cf)
    slot = np.arange(k) // draws
    c_same, c_diff, n_same, n_diff = 0.0, 0.0, 0, 0
    for a in range(k):
        for b in range(a + 1, k):
            cov = float((x[:, a] * x[:, b]).mean(-2).sum())
            if slot[a] == slot[b]:
                c_same += cov
                n_same += 1
            else:
                c_diff += cov
                n_diff += 1
    v = float((x * x).mean(-2).sum()) / k
    c_same /= max(n_same, 1)
    c_diff /= max(n_diff, 1)
    n_slots = k // draws
    return {"single_style_explained": c_same / v,
            "mean_over_styles_explained": (c_same + (n_slots - 1) * c_diff) / (n_slots * v),
            "between_style_covariance_share": c_diff / v}


def style_figures(cf: np.ndarray, listener: np.ndarray, listener_style: np.ndarray,
                  cf_styles: np.ndarray, draws: int = 2, downsample: int = 1,
                  progress: ProgressFn | None = None, dtw: bool = True) -> dict[str, dict[str, float]]:
    """style_separation, mean_over_styles and recorded_vs_counterfactual (see module doc);
    ``dtw=False`` leaves out the DTW distances (the slow part)."""
    s, k = cf.shape[:2]
    n_slots = k // draws
    lst = np.asarray(listener[:, :N_FRAMES], np.float64)
    cfa = np.asarray(cf, np.float64)
    own_slot = np.array([int(np.nonzero(cf_styles[i, ::draws] == listener_style[i])[0][0])
                         for i in range(s)])
    slot_of = np.arange(k) // draws
    within, between = [], []
    for a in range(k):
        for b in range(a + 1, k):
            (within if slot_of[a] == slot_of[b] else between).append((a, b))
    ccc_w = np.mean([paired_ccc(cfa[:, a], cfa[:, b]) for a, b in within], axis=0)
    ccc_b = np.mean([paired_ccc(cfa[:, a], cfa[:, b]) for a, b in between], axis=0)
    # reactions of the recorded listener vs counterfactual draws
    real_ccc = np.stack([paired_ccc(lst, cfa[:, e]) for e in range(k)], axis=1)     # (S, K)
    own = slot_of[None, :] == own_slot[:, None]
    # mean over styles of the draw-0 reactions against every style's draw 1
    mean0 = cfa[:, 0::draws].mean(axis=1)
    ccc_mean = np.mean([paired_ccc(mean0, cfa[:, sl * draws + 1]) for sl in range(n_slots)], axis=0)
    ccc_single = np.mean([paired_ccc(cfa[:, sl * draws], cfa[:, sl * draws + 1])
                          for sl in range(n_slots)], axis=0)
    # DTW: per direction, each style's draws 0/1, draw 0 of every pair of styles, recorded vs all
    pairs, kinds = [], []
    for i in range(s if dtw else 0):
        for sl in range(n_slots):
            pairs.append((cfa[i, sl * draws], cfa[i, sl * draws + 1]))
            kinds.append("within")
        for a in range(n_slots):
            for b in range(a + 1, n_slots):
                pairs.append((cfa[i, a * draws], cfa[i, b * draws]))
                kinds.append("between")
        for e in range(k):
            pairs.append((lst[i], cfa[i, e]))
            kinds.append("real_own" if slot_of[e] == own_slot[i] else "real_other")
        if progress is not None:
            progress("pairs", i + 1, s)
    dist = _pair_dtw(pairs, downsample)
    kinds = np.array(kinds)
    nan = float("nan")
    d = {kind: float(dist[kinds == kind].mean()) if dtw else nan
         for kind in ("within", "between", "real_own", "real_other")}
    dstd = {kind: float(dist[kinds == kind].std()) if dtw else nan for kind in ("within", "between")}
    paired = nan
    if dtw:   # per direction: mean distance between styles > mean distance within a style
        n_pair = n_slots + n_slots * (n_slots - 1) // 2 + k
        per = dist.reshape(s, n_pair)
        kinds_one = kinds[:n_pair]
        paired = float(np.mean(per[:, kinds_one == "between"].mean(1)
                               > per[:, kinds_one == "within"].mean(1)))
    # within-clip variance of the recorded listener vs its own style's draws, per group
    var_real = _centred(lst) ** 2
    var_cf = _centred(cfa) ** 2
    var_own = np.stack([var_cf[i, own[i]].mean(0) for i in range(s)])
    ratio = {g: float(var_real[..., sl].mean() / var_own[..., sl].mean()) for g, sl in GROUPS.items()}
    return {
        "style_separation": {
            "ccc_within_style": float(ccc_w.mean()), "ccc_between_styles": float(ccc_b.mean()),
            "frdist_within_style": d["within"], "frdist_between_styles": d["between"],
            "frdist_within_style_std": dstd["within"], "frdist_between_styles_std": dstd["between"],
            "frdist_ratio": d["between"] / d["within"],
            "share_directions_frdist_between_gt_within": paired,
            "share_directions_between_gt_within": float(np.mean(ccc_b < ccc_w)),
        },
        "mean_over_styles": {**_variance_decomposition(cfa, draws),
                             "ccc_single_style": float(ccc_single.mean()),
                             "ccc_mean_over_styles": float(ccc_mean.mean())},
        "recorded_vs_counterfactual": {
            "ccc_real_own_style": float(real_ccc[own].mean()),
            "ccc_real_other_styles": float(real_ccc[~own].mean()),
            "ccc_draws_own_style": float(ccc_w.mean()),
            "frdist_real_own_style": d["real_own"], "frdist_real_other_styles": d["real_other"],
            "frdist_draws_own_style": d["within"],
            **{f"variance_ratio_{g}": v for g, v in ratio.items()},
        },
    }


def constant_columns(speaker: np.ndarray, listener: np.ndarray) -> dict[str, float]:
    """Never-changing AU columns: share of listener clips with one, mean count, and the share of
    directions whose listener or speaker has one (official Synchrony then scores about 49)."""
    def const(x: np.ndarray) -> np.ndarray:
        au = np.asarray(x[:, :N_FRAMES, :15])
        return (au == au[:, :1]).all(axis=1)                    # (S, 15)

    cl, cs = const(listener), const(speaker)
    return {"clips_with_constant_au": float(cl.any(1).mean()),
            "constant_au_per_clip": float(cl.sum(1).mean()),
            "directions_with_constant_au_either": float((cl.any(1) | cs.any(1)).mean())}


# ------------------------------------------------------------------------------------------------
# calibration rows
# ------------------------------------------------------------------------------------------------

def naive_predictions(name: str, speaker: np.ndarray, listener: np.ndarray,
                      train_speaker: np.ndarray | None, seed: int = 0) -> np.ndarray:
    """(S, 10, 750, 25) float32 predictions of a naive row, from the registered method itself."""
    from react_bench.methods import get_method

    if name in ("B_MeanSeq", "B_MeanFr") and train_speaker is None:
        raise ValueError(f"{name} needs the train split's speakers")
    from react_bench.data.split import SplitData

    method = get_method(name)
    train = None if train_speaker is None else SplitData.from_arrays("train", train_speaker, train_speaker)
    method.fit(train, None, seed=seed)
    return method.predict(SplitData.from_arrays("test", speaker, listener), n_samples=N_SAMPLES, seed=seed)


def _frdist_subset(pred: np.ndarray, listener: np.ndarray, appropriate: np.ndarray,
                   rows: np.ndarray) -> float:
    """Official FRDist (sum over the samples of pred) estimated on the directions ``rows``:
    10 x the mean over (row, sample) of the min weighted DTW to the row's appropriate set."""
    from react_bench.metrics.frdist import frdist_best
    from react_bench.metrics.validate import neighbour_lists

    indptr, indices = neighbour_lists(np.asarray(appropriate)[rows])
    best, _ = frdist_best(np.ascontiguousarray(pred), np.ascontiguousarray(listener, np.float32),
                          indptr, indices)
    return float(best.mean() * N_SAMPLES)


def calibration_rows(speaker: np.ndarray, listener: np.ndarray, appropriate: np.ndarray,
                     train_speaker: np.ndarray | None, rows: tuple[str, ...] | None = None,
                     frdist_directions: int | None = 256, random_samples: int = 2,
                     progress: ProgressFn | None = None) -> dict[str, dict]:
    """score_arrays of each naive row (the metrics in ROW_METRICS), with the paper's value and
    whether it is within tolerance. GT's FRDist is 0 by construction and not computed.

    FRDist against ~200 appropriate reactions per direction (paper profile) costs minutes per
    row (10 minutes for B_Random or B_MeanSeq on 2 busy cores). With more than
    ``frdist_directions`` directions it is estimated on that many evenly spaced directions, and
    B_Random's on ``random_samples`` of its 10 i.i.d. samples (FRDist = 10 x the mean min
    distance); the row then names the subset in "FRDist_estimated_on". None scores everything.
    """
    from react_bench.metrics import score_arrays

    rows = rows or tuple(PAPER_ROWS)
    lst = np.ascontiguousarray(listener[:, :N_FRAMES], np.float32)
    spk = np.ascontiguousarray(speaker[:, :N_FRAMES], np.float32)
    s = lst.shape[0]
    out: dict[str, dict] = {}
    for n, name in enumerate(rows):
        if name in ("B_MeanSeq", "B_MeanFr") and train_speaker is None:
            continue
        pred = naive_predictions(name, spk, lst, train_speaker)
        metrics = list(ROW_METRICS[name])
        subset = None
        if "FRDist" in metrics and frdist_directions is not None and s > frdist_directions:
            metrics.remove("FRDist")
            subset = np.unique(np.linspace(0, s - 1, frdist_directions).round().astype(np.int64))
        scores = score_arrays(pred, lst, spk, appropriate, metrics=metrics)
        if subset is not None:
            k = random_samples if name == "B_Random" else 1     # deterministic rows: 10 copies
            scores["FRDist"] = _frdist_subset(pred[subset, :k], lst, appropriate, subset)
            scores["FRDist_estimated_on"] = f"{len(subset)} of {s} directions x {k} sample(s)"
        del pred
        targets = {}
        for metric, paper in PAPER_ROWS.get(name, {}).items():
            value = scores[metric]
            tol = TOLERANCE[metric]
            ok = (paper / tol <= value <= paper * tol) if metric == "FRCorr" else \
                abs(value - paper) <= tol * paper
            targets[metric] = {"paper": paper, "value": value, "within_tolerance": bool(ok)}
        out[name] = {"scores": scores, "targets": targets}
        if progress is not None:
            progress("calibration", n + 1, len(rows))
    return out


# ------------------------------------------------------------------------------------------------
# entry point
# ------------------------------------------------------------------------------------------------

def world_figures(source: str | Path | dict, split: str = "test", *, calibration: bool = True,
                  dtw: bool = True, downsample: int | None = None, draws: int | None = None,
                  progress: ProgressFn | None = None) -> dict:
    """The §1 figures (and optionally the §4 calibration rows) of a generated world.

    ``source``: a dataset root written by ``synth.write_synthetic_dataset`` (reads ``split`` and,
    for the calibration, ``train``), or a dict with speaker/listener (S, T, 25), appropriate,
    counterfactual (S, K, 750, 25), counterfactual_styles (S, K), listener_style (S,) and
    optionally train_speaker (as ``synth.generate_arrays(..., counterfactuals=True)`` returns,
    plus "train_speaker"). ``dtw=False`` skips the DTW distances (NaN). ``downsample`` of the DTW figures: None = 1 up to 256 directions, else
    5 (distances rescaled by sqrt(k), as the appropriateness builder does). About 15 s on the
    small profile with the calibration.
    """
    from react_bench.data.synth import CF_DRAWS

    arrays = source if isinstance(source, dict) else load_world_arrays(source, split, train=calibration)
    draws = draws or CF_DRAWS
    cf = np.asarray(arrays["counterfactual"])
    s = cf.shape[0]
    ds = downsample or (1 if s <= 256 else 5)
    out = {
        "split": split, "directions": int(s), "counterfactuals_per_direction": int(cf.shape[1]),
        "dtw_downsample": ds,
        "partner_share": partner_share(cf, draws),
        **style_figures(cf, arrays["listener"], arrays["listener_style"],
                        arrays["counterfactual_styles"], draws, ds, progress, dtw),
        "constant_columns": constant_columns(arrays["speaker"], arrays["listener"]),
        "neighbours_per_row": float(np.asarray(arrays["appropriate"]).sum(1).mean()),
    }
    if calibration:
        out["calibration"] = calibration_rows(arrays["speaker"], arrays["listener"],
                                              arrays["appropriate"], arrays.get("train_speaker"),
                                              progress=progress)
    return out

"""Metric metadata, in the column order of the REGNN paper's tables."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricInfo:
    name: str
    higher_is_better: bool | None   # None: no direction (not used at present)
    description: str
    version: str                    # bump when the computed value of the metric changes
    official: bool                  # computed by the official challenge code


METRICS: tuple[MetricInfo, ...] = (
    MetricInfo("FRDist", False, "appropriateness: sum over samples of the min FRD-weighted DTW to an "
               "appropriate real reaction, mean over directions", "1", True),
    MetricInfo("FRCorr", True, "appropriateness: sum over samples of the max CCC with an appropriate "
               "real reaction, mean over directions", "2", True),   # 2: numpy's pairwise float32 stats
    MetricInfo("PCC", True, "appropriateness: max over appropriate real reactions of the mean Pearson r "
               "over channels non-constant in both, mean over samples and directions", "1", False),
    MetricInfo("FRRea", False, "realism: FID of rendered reaction frames (computed by react_bench.fid)",
               "1", True),
    MetricInfo("FRVar", True, "diversity: mean variance over time of each sample (ddof 1)", "1", True),
    MetricInfo("FRDvs", True, "diversity: mean squared difference between directions, same sample slot",
               "1", True),
    MetricInfo("FRDiv", True, "diversity (S-MSE): mean squared difference between the samples of a "
               "direction", "1", True),
    MetricInfo("Synchrony", False, "synchrony: |lag| of the max time-lagged cross-correlation with the "
               "speaker (official: sample 0 only)", "2", True),   # 2: float32 mean, as torch.mean
    MetricInfo("Synchrony_nan_safe", False, "synchrony, react-bench variant (not official): as Synchrony, "
               "but each lag averages r over the columns not constant in its windows (a constant column "
               "does not make the lag NaN); mean over all samples and directions", "1", False),
)

#: Extra keys score_arrays returns that are not table columns. Synchrony_saturated_share is a
#: diagnostic: the share of directions whose official Synchrony (sample 0) is the maximum |lag|.
EXTRA_KEYS = ("Synchrony_all_samples", "FRCorr_per_sample", "FRDist_per_sample", "Synchrony_saturated_share")

METRICS_BY_NAME = {m.name: m for m in METRICS}

"""Behaviours of the official REACT metric code that we reproduce on purpose (react_metrics.md §3).

Each quirk has one name here, so a reader can find every place where "official" differs from the
textbook definition. The numba helpers are inlined into the kernels that use them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# --- FRCorr (metric/FRC.py) -----------------------------------------------------------------
#: Added to the CCC denominator (in float32, like the official float32 statistics).
CCC_DENOMINATOR_EPS = np.float32(1e-8)

# Quirk 14 (precision): the statistics are ``np.mean/np.var/np.std(y[:, i])`` of each 1-D float32
# column, which numpy sums pairwise in float32, not frame after frame as ``np.mean(y, axis=0)``
# would; ccc.float32_stats reproduces that bit for bit (a frame-by-frame sum moved per-direction
# FRCorr by up to 2.2e-7 relative on the parity fixtures). ``r`` is a np.float64, so the numerator ``2 * r * sd_true * sd_pred`` is
# float64 while the denominator stays float32.


@njit(inline="always")
def official_corr_nan_to_zero(r: float) -> float:
    """FRC's local ``np.corrcoef`` copy: ``nan_to_num`` then clip to [-1, 1].

    A column that is constant in either series has zero variance, so r = 0/0 = NaN, which the
    official code turns into r = 0 -> CCC 0 for that column, still counted among the 25 (quirk 3).
    """
    if r != r:  # NaN
        return 0.0
    if r > 1.0:
        return 1.0
    if r < -1.0:
        return -1.0
    return r


# --- FRDist (metric/FRD.py) -----------------------------------------------------------------
# Quirk 5: weights 1/15, 1, 1/8 act on sqrt-DTW of each group (constants.FRD_WEIGHTS, dtw.py).
# Quirk 4: FRDist and FRCorr are sums over the K samples of a mean over directions; the
# *_per_sample keys divide by K.


# --- FRDiv = S-MSE (metric/S_MSE.py) --------------------------------------------------------
#: With a single sample the official loop returns 0.0 (no pairs to compare).
SMSE_SINGLE_SAMPLE_VALUE = 0.0


# --- FRVar (metric/FRVar.py) ----------------------------------------------------------------
#: ``torch.var`` default: unbiased (the dead copy in metric/metric.py uses ddof 0; quirk 8).
FRVAR_DDOF = 1


# --- Synchrony / TLCC (metric/TLCC.py) ------------------------------------------------------
#: ``range(-int(2*25-1), int(2*25))``: 99 lags, -49..49, not +-50 (quirk 13).
TLCC_MAX_LAG = 49
TLCC_LAGS = np.arange(-TLCC_MAX_LAG, TLCC_MAX_LAG + 1)


@njit(inline="always")
def tlcc_argmax_first_nan(rho: np.ndarray) -> int:
    """``torch.argmax`` of a float32 tensor: NaN counts as the maximum, so the first NaN wins;
    otherwise the first maximum wins (ties go to the most negative lag). Quirk 2: a column that
    is constant over a lag's overlap makes that lag's mean correlation NaN."""
    best = 0
    for idx in range(rho.shape[0]):
        v = rho[idx]
        if v != v:
            return idx
        if v > rho[best]:
            best = idx
    return best


def tlcc_offset_from_index(idx: int) -> int:
    """offset = 49 - argmax, i.e. -lag*; the score is |offset| (so an all-NaN pair scores 49)."""
    return TLCC_MAX_LAG - idx


#: Quirk 1: ``compute_TLCC_mp`` returns inside its sample loop, so only sample 0 of each
#: direction is scored ("Synchrony"); the serial ``compute_TLCC`` scores all samples
#: ("Synchrony_all_samples"). Both return ``torch.mean(torch.Tensor(offsets)).item()``: a
#: float32 mean (tlcc.synchrony_scores).
SYNCHRONY_OFFICIAL_SAMPLE = 0

#: The saturated official score: an every-lag-NaN pair has argmax 0, |offset| = TLCC_MAX_LAG
#: (quirk 2). "Synchrony_saturated_share" is the share of directions scoring exactly this;
#: react-bench's "Synchrony_nan_safe" (tlcc.py, not official) leaves constant columns out instead.
SYNCHRONY_SATURATED = TLCC_MAX_LAG

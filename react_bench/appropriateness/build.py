"""Approximate appropriateness labels from speaker behaviour (docs/appropriateness.md).

APPROXIMATION of the REACT challenge's "automatic and objective labelling strategy": the official
recipe is not public (literature.md §1). We label direction j appropriate for direction k when the
FRDist-weighted DTW between the two SPEAKERS' attribute sequences (1/15 AUs, 1 valence/arousal,
1/8 expressions) is at most a threshold; row k then lists the directions whose real listener
reactions count as appropriate for speaker k (react_metrics.md §1).

Real REACT data ships the challenge's own matrices; use this only where those are missing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from react_bench.constants import N_ATTRS, N_FRAMES
from react_bench.metrics.dtw import weighted_dtw_cross

# Full-resolution FRDist units (distances at downsample k are multiplied by sqrt(k), see below).
# Calibrated on the synthetic world (react_bench.data.synth, generator version 2): the threshold
# that maximises min(precision, recall) against the true same-context matrix, pooled over several
# seeds of 200-pair splits, rounded (docs/appropriateness.md; 15.0 for generator version 1).
# Pass threshold=7.0921 to mimic the value in the challenge's early file name
# (neighbour_emotion_1_7.0921.npy).
DEFAULT_THRESHOLD = 9.9
BLOCK_ROWS = 64                 # rows of the distance matrix computed per call (progress unit)

ProgressFn = Callable[[str, int, int], None]


def speaker_distances(speaker: np.ndarray, downsample: int = 5,
                      progress: ProgressFn | None = None) -> np.ndarray:
    """(S, S) float64 FRDist-weighted DTW between speaker sequences, in full-resolution units.

    With ``downsample=k`` every k-th frame is kept and the distance is multiplied by sqrt(k):
    DTW sums squared costs along a path about k times shorter, so the rescaled value tracks the
    full-resolution one (world v2: ratio 1.042 +- 0.017 at k=5; v1: 1.003). Only the upper
    triangle is computed; the matrix is symmetric with a zero diagonal.
    """
    x = np.asarray(speaker)
    if x.ndim != 3 or x.shape[-1] != N_ATTRS:
        raise ValueError(f"speaker must be (S, T, {N_ATTRS}), got {x.shape}")
    if downsample < 1:
        raise ValueError("downsample must be >= 1")
    x = x[:, :N_FRAMES]
    s = x.shape[0]
    dist = np.zeros((s, s))
    n_blocks = (s + BLOCK_ROWS - 1) // BLOCK_ROWS
    for b in range(n_blocks):
        lo, hi = b * BLOCK_ROWS, min((b + 1) * BLOCK_ROWS, s)
        block = weighted_dtw_cross(x[lo:hi], x[lo:], downsample=downsample)
        dist[lo:hi, lo:] = block
        if progress is not None:
            progress("appropriateness", b + 1, n_blocks)
    dist = np.triu(dist, 1)
    dist = dist + dist.T
    return dist * np.sqrt(downsample)


def build_appropriateness(speaker: np.ndarray, threshold: float | None = None,
                          downsample: int = 5, progress: ProgressFn | None = None,
                          *, exclude_mirror: bool = True) -> np.ndarray:
    """(S, S) uint8 appropriateness matrix from speaker attributes (S, T, 25) in mirrored order.

    M[k, j] = 1 iff d(speaker_k, speaker_j) <= threshold (full-resolution FRDist units,
    DEFAULT_THRESHOLD when None). The result is symmetric with diagonal 1. With
    ``exclude_mirror`` (default) the mirrored direction of the same clip (j = k +- S/2) is set
    to 0: its "listener" is speaker k themself, never a reaction to them. Needs even S then.
    """
    thr = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    if not np.isfinite(thr) or thr < 0:
        raise ValueError(f"threshold must be a finite non-negative number, got {threshold!r}")
    s = np.asarray(speaker).shape[0]
    if exclude_mirror and s % 2:
        raise ValueError(f"exclude_mirror needs an even number of mirrored directions, got {s}")
    dist = speaker_distances(speaker, downsample=downsample, progress=progress)
    out = (dist <= thr).astype(np.uint8)
    if exclude_mirror and s:
        out[np.arange(s), (np.arange(s) + s // 2) % s] = 0
    np.fill_diagonal(out, 1)
    return out


def off_diagonal(matrix: np.ndarray) -> np.ndarray:
    """The appropriate pairs of a square matrix other than each direction with itself (bool)."""
    m = np.asarray(matrix)
    return (m != 0) & ~np.eye(m.shape[0], dtype=bool)


def precision_recall(built: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Precision and recall of ``built`` against ``truth`` over off-diagonal entries.

    An empty denominator (nothing predicted / nothing true) gives 1.0 for that score.
    """
    b = np.asarray(built)
    t = np.asarray(truth)
    if b.shape != t.shape or b.ndim != 2 or b.shape[0] != b.shape[1]:
        raise ValueError(f"need two square matrices of one shape, got {b.shape} and {t.shape}")
    pb, pt = off_diagonal(b), off_diagonal(t)
    tp = int((pb & pt).sum())
    n_pred = int(pb.sum())
    n_true = int(pt.sum())
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_true if n_true else 1.0
    return precision, recall

"""Approximate appropriateness labelling (speaker-speaker weighted DTW, thresholded)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from react_bench.appropriateness.build import (DEFAULT_THRESHOLD, build_appropriateness,
                                               precision_recall, speaker_distances)
from react_bench.constants import N_FRAMES
from react_bench.data import synth
from react_bench.metrics.dtw import weighted_dtw


def _mirrored_speakers(root: Path, split: str) -> np.ndarray:
    """Speaker attributes (S, 750, 25) in mirrored order, read straight from the REACT files."""
    with open(root / f"{split}.csv", newline="") as f:
        rows = list(csv.reader(f))[1:]
    paths = [r[1] for r in rows] + [r[2] for r in rows]
    return np.stack([np.loadtxt(root / split / "Emotion" / f"{p}.csv", delimiter=",",
                                skiprows=1)[:N_FRAMES] for p in paths])


@pytest.fixture(scope="module")
def small_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # small feature dims keep the files small; the attributes do not depend on them
    return synth.write_synthetic_dataset(tmp_path_factory.mktemp("small") / "ds", "small", seed=0,
                                         video_dim=8, audio_dim=4)


@pytest.mark.parametrize("split", ["val", "test"])
def test_default_threshold_recovers_true_contexts_on_small_profile(small_root: Path,
                                                                   split: str) -> None:
    speaker = _mirrored_speakers(small_root, split)
    truth = np.load(small_root / f"neighbour_emotion_{split}.npy", allow_pickle=False)
    built = build_appropriateness(speaker)
    precision, recall = precision_recall(built, truth)
    assert precision >= 0.8 and recall >= 0.8, (precision, recall)


def test_matrix_is_symmetric_binary_with_unit_diagonal_and_no_mirror() -> None:
    d = synth.generate_arrays(6, seed=1, name="val")
    m = build_appropriateness(d["speaker"], threshold=1e9)        # everything close ...
    s = len(m)
    assert m.dtype == np.uint8 and m.shape == (s, s) and np.array_equal(m, m.T)
    assert (np.diag(m) == 1).all()
    mirror = (np.arange(s) + s // 2) % s
    assert (m[np.arange(s), mirror] == 0).all()                   # ... except the own clip
    assert m.sum() == s * s - s
    kept = build_appropriateness(d["speaker"], threshold=1e9, exclude_mirror=False)
    assert kept.sum() == s * s
    lone = build_appropriateness(d["speaker"], threshold=0.0)
    assert np.array_equal(lone, np.eye(s, dtype=np.uint8))


def test_threshold_is_monotone_and_default_is_used() -> None:
    d = synth.generate_arrays(8, seed=2, name="test")
    lo = build_appropriateness(d["speaker"], threshold=DEFAULT_THRESHOLD - 3)
    mid = build_appropriateness(d["speaker"])
    hi = build_appropriateness(d["speaker"], threshold=DEFAULT_THRESHOLD + 3)
    assert np.array_equal(mid, build_appropriateness(d["speaker"], threshold=DEFAULT_THRESHOLD))
    assert (lo <= mid).all() and (mid <= hi).all() and lo.sum() < hi.sum()


def test_distances_are_weighted_dtw_and_downsampling_is_rescaled() -> None:
    d = synth.generate_arrays(3, seed=3, name="val")
    x = d["speaker"][:, :N_FRAMES]
    full = speaker_distances(x, downsample=1)
    assert full[0, 1] == pytest.approx(weighted_dtw(x[0], x[1]), rel=1e-12)
    assert np.array_equal(full, full.T) and (np.diag(full) == 0).all()
    fast = speaker_distances(x, downsample=5)
    off = ~np.eye(len(x), dtype=bool)
    ratio = fast[off] / full[off]          # world v2's fast dynamics: ~1.04, see appropriateness.md
    assert abs(ratio.mean() - 1) < 0.06 and np.abs(ratio - 1).max() < 0.15
    calls: list[tuple[str, int, int]] = []
    speaker_distances(x, progress=lambda *a: calls.append(a))
    assert calls and calls[-1][1] == calls[-1][2]


def test_precision_recall_counts_off_diagonal_entries() -> None:
    truth = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]], np.uint8)
    built = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1]], np.uint8)
    p, r = precision_recall(built, truth)
    assert p == pytest.approx(2 / 4) and r == pytest.approx(2 / 4)
    assert precision_recall(truth, truth) == (1.0, 1.0)
    assert precision_recall(np.eye(4), truth) == (1.0, 0.0)
    with pytest.raises(ValueError):
        precision_recall(truth, truth[:3])


def test_bad_inputs_are_rejected() -> None:
    x = np.zeros((3, 50, 25))
    with pytest.raises(ValueError):
        build_appropriateness(x)                                   # odd S with exclude_mirror
    with pytest.raises(ValueError):
        build_appropriateness(np.zeros((2, 50, 24)))
    with pytest.raises(ValueError):
        build_appropriateness(np.zeros((2, 50, 25)), threshold=-1.0)
    with pytest.raises(ValueError):
        build_appropriateness(np.zeros((2, 50, 25)), downsample=0)

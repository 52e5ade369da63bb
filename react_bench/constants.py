"""REACT data conventions shared by every module (react_metrics.md §1, §5)."""

from __future__ import annotations

FPS = 25
N_FRAMES = 750          # frames models and metrics use
RAW_FRAMES = 751        # rows in a raw Emotion CSV (truncated to N_FRAMES)
N_SAMPLES = 10          # generated reactions per speaker direction
N_ATTRS = 25

AU_NAMES = ("AU1", "AU2", "AU4", "AU6", "AU7", "AU9", "AU10", "AU12",
            "AU14", "AU15", "AU17", "AU23", "AU24", "AU25", "AU26")
VA_NAMES = ("valence", "arousal")
EXPRESSION_NAMES = ("Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger", "Contempt")
ATTRIBUTE_NAMES = AU_NAMES + VA_NAMES + EXPRESSION_NAMES

AU_SLICE = slice(0, 15)
VA_SLICE = slice(15, 17)
EXPR_SLICE = slice(17, 25)
COLUMN_GROUPS = (AU_SLICE, VA_SLICE, EXPR_SLICE)
# FRDist weights per column group, applied to sqrt-DTW of that group.
FRD_WEIGHTS = (1.0 / 15.0, 1.0, 1.0 / 8.0)

SPLITS = ("train", "val", "test")

"""FRRea: FID between faces rendered from real and generated listener reactions (docs/frrea.md)."""

from .frechet import feature_statistics, frechet_distance
from .frrea import FRReaResult, compute_frrea, select_frames
from .weights import (FIDWeights, FIDWeightsNotFound, export_pytorch_fid_weights, resolve_weights,
                      weights_search_list)

__all__ = [
    "FIDWeights", "FIDWeightsNotFound", "FRReaResult", "compute_frrea", "export_pytorch_fid_weights",
    "feature_statistics", "frechet_distance", "resolve_weights", "select_frames", "weights_search_list",
]

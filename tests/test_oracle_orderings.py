"""The oracle metrics order the reference rows as they must (issue 10 §5), on the small profile.

- Oracle_style has coverage 1.0 and beats Context_mean and B_Mime on FRCorr_true;
- Context_mean's coverage is at most about 1 / (number of admissible styles);
- a deterministic model trained by MSE (ridge from lagged speaker attributes) covers fewer styles
  than Oracle_style.
"""

from pathlib import Path

import numpy as np
import pytest
from conftest import cached_source

from react_bench.data.ground_truth import has_counterfactuals, load_counterfactuals
from react_bench.data.reader import load_split
from react_bench.methods import get_method
from react_bench.metrics.oracle import oracle_scores

LAGS = (0, 4, 8, 12, 16, 20, 25)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    root = cached_source(tmp_path_factory, "small").root
    if not has_counterfactuals(root, "test"):
        pytest.skip("this generator writes no counterfactuals")
    return root


@pytest.fixture(scope="module")
def scored(small):
    train, test = load_split(small, "train", features=False), load_split(small, "test", features=False)
    cf, styles = load_counterfactuals(small, "test", test.n_directions)
    out = {}
    for name in ("Oracle_style", "Context_mean", "B_Mime"):
        method = get_method(name)
        method.fit(train, None, seed=0)
        out[name] = oracle_scores(method.predict(test, n_samples=10, seed=0), cf, styles)
    out["ridge"] = oracle_scores(_ridge_predictions(train, test), cf, styles)
    out["n_styles"] = float(np.mean([len(np.unique(row)) for row in styles]))
    return out


def _lagged(speaker: np.ndarray) -> np.ndarray:
    """(S, T, 25 * len(LAGS) + 1) speaker attributes at the given lags (zero before the clip), plus 1."""
    s, t, d = speaker.shape
    parts = []
    for lag in LAGS:
        shifted = np.zeros_like(speaker)
        shifted[:, lag:] = speaker[:, : t - lag]
        parts.append(shifted)
    parts.append(np.ones((s, t, 1), speaker.dtype))
    return np.concatenate(parts, axis=2)


def _ridge_predictions(train, test, alpha: float = 10.0) -> np.ndarray:
    x = _lagged(np.asarray(train.speaker, np.float64)).reshape(-1, 25 * len(LAGS) + 1)
    y = np.asarray(train.listener, np.float64).reshape(-1, 25)
    weights = np.linalg.solve(x.T @ x + alpha * np.eye(x.shape[1]), x.T @ y)
    pred = _lagged(np.asarray(test.speaker, np.float64)) @ weights
    pred[..., :15] = pred[..., :15] > 0.5                      # AUs are binary
    return np.repeat(pred[:, None].astype(np.float32), 10, axis=1)


def test_oracle_style_covers_every_style_and_beats_level_and_mimicry(scored):
    assert scored["Oracle_style"]["Coverage"] == 1.0
    assert scored["Oracle_style"]["FRCorr_true"] > scored["Context_mean"]["FRCorr_true"]
    assert scored["Oracle_style"]["FRCorr_true"] > scored["B_Mime"]["FRCorr_true"]


def test_a_level_only_predictor_covers_at_most_one_style(scored):
    assert scored["Context_mean"]["Coverage"] <= 1.0 / scored["n_styles"] + 0.05


def test_a_deterministic_mse_model_covers_fewer_styles_than_the_oracle(scored):
    assert scored["ridge"]["Coverage"] < scored["Oracle_style"]["Coverage"]
    assert scored["ridge"]["Coverage"] <= 1.0 / scored["n_styles"] + 0.1

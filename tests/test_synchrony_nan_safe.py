"""Synchrony_nan_safe (react-bench's variant, not official) and the Synchrony saturation diagnostic.

The official TLCC makes a lag NaN as soon as one column is constant over its windows, and
torch.argmax then returns the first NaN lag: a clip with a never-active AU scores 49 whatever the
prediction. The NaN-safe variant averages r only over the columns that are not constant in the
lag's windows. Reference: react_bench.metrics.reference.tlcc_offset_nan_safe (np.corrcoef loops).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from react_bench.data.split import SplitData
from react_bench.metrics import SCORE_KEYS, score_arrays
from react_bench.metrics import reference as ref
from react_bench.metrics import tlcc
from react_bench.metrics.quirks import SYNCHRONY_SATURATED, TLCC_MAX_LAG


def _smooth(rng, shape, width=5):
    """White noise smoothed over `width` frames along axis -2: a sharp cross-correlation peak."""
    raw = rng.normal(size=shape[:-2] + (shape[-2] + width - 1, shape[-1]))
    kernel = np.ones(width) / width
    out = np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="valid"), -2, raw)
    return out.astype(np.float32)


def _binary_runs(rng, t_len, p_switch):
    """A 0/1 series with runs (a two-state chain switching with probability p_switch)."""
    switches = rng.random(t_len) < p_switch
    return (np.cumsum(switches) % 2).astype(np.float32)


def _mixed_pair_data(seed, s=4, n=3, t_len=200):
    """Speaker and predictions with binary AU-like columns (few runs, runs at the clip ends),
    continuous columns, columns constant over the whole clip and over part of it."""
    rng = np.random.default_rng(seed)
    spk = _smooth(rng, (s, t_len, 25))
    pred = _smooth(rng, (s, n, t_len, 25)) * 0.5
    pred += np.roll(spk, 4, axis=1)[:, None] * 0.5
    for k in range(s):
        spk[k, :, 0] = _binary_runs(rng, t_len, 0.03)
        spk[k, :, 1] = _binary_runs(rng, t_len, 0.5)                # many runs: direct products
        for i in range(n):
            pred[k, i, :, 0] = _binary_runs(rng, t_len, 0.02)
            pred[k, i, :, 2] = _binary_runs(rng, t_len, 0.04)       # few runs on the prediction side
    spk[0, :, 3] = 0.0                                              # constant speaker column
    pred[1, 0, :, 4] = 0.5                                          # constant prediction column
    spk[2, :30, 5] = 1.0                                            # constant at the start only
    spk[2, -20:, 6] = -1.0                                          # constant at the end only
    pred[3, 1, :60, 7] = 0.25                                       # constant over many lags' windows
    pred[3, -1, :, 8] = 0.0
    pred[3, -1, t_len // 2:t_len // 2 + 3, 8] = 1.0                 # one short run in the middle
    return pred, spk


# -------------------------------------------------------------------------------- the offsets
def test_official_offsets_are_the_official_kernels():
    """The one-pass kernel's official offsets equal tlcc_offsets, incl. partial constancy."""
    for seed in range(3):
        pred, spk = _mixed_pair_data(seed)
        official, _ = tlcc.tlcc_offsets_with_nan_safe(pred, spk)
        np.testing.assert_array_equal(official, tlcc.tlcc_offsets(pred, spk))


def test_official_offsets_reproduce_the_fixtures(shared_reference):
    expected = json.loads((shared_reference / "metric_fixtures" / "expected.json").read_text())
    for name, case in expected.items():
        with np.load(shared_reference / "metric_fixtures" / case["file"], allow_pickle=False) as data:
            pred, spk = data["predictions"], data["speaker"]
        official, _ = tlcc.tlcc_offsets_with_nan_safe(pred, spk)
        got = tlcc.synchrony_scores(official)
        assert got == (case["expected"]["Synchrony"], case["expected"]["Synchrony_all_samples"]), name


def test_nan_safe_matches_the_plain_definition():
    """Against np.corrcoef loops that skip the constant columns lag by lag."""
    pred, spk = _mixed_pair_data(11)
    _, safe = tlcc.tlcc_offsets_with_nan_safe(pred, spk)
    want = np.array([[ref.tlcc_offset_nan_safe(pred[k, i], spk[k]) for i in range(pred.shape[1])]
                     for k in range(pred.shape[0])])
    np.testing.assert_array_equal(safe, want)
    official = tlcc.tlcc_offsets(pred, spk)
    assert np.any(official == SYNCHRONY_SATURATED) and np.any(safe != official)   # the case is not trivial


def _boundary_pair(seed, t_len=200):
    """One pair whose columns put the edges of constant runs around the lag range's limits
    (first runs of T - 50 ... T - 48 frames, last runs from frame 48 ... 50), binary columns with
    few runs on either side (runs touching the clip ends, one short run), and continuous ones."""
    rng = np.random.default_rng(seed)
    x = _smooth(rng, (t_len, 25))
    y = _smooth(rng, (t_len, 25))
    for col, n_first in ((0, t_len - 50), (1, t_len - 49), (2, t_len - 48), (3, t_len - 30)):
        x[:n_first, col] = 0.5                       # X[:T+lag] constant for lag <= n_first - T
    for col, start in ((4, 48), (5, 49), (6, 50), (7, 20)):
        x[start:, col] = -0.5                        # X[lag:] constant for lag >= start
    for col, n_first in ((8, t_len - 50), (9, t_len - 49), (10, t_len - 25)):
        y[:n_first, col] = 0.5                       # Y[:T-lag] constant for lag >= T - n_first
    for col, start in ((11, 48), (12, 49), (13, 30)):
        y[start:, col] = -0.5                        # Y[-lag:] constant for lag <= -start
    x[:, 14] = _binary_runs(rng, t_len, 0.03)        # few runs on x
    y[:, 15] = _binary_runs(rng, t_len, 0.03)        # few runs on y
    x[:, 16] = _binary_runs(rng, t_len, 0.05)
    y[:, 16] = _binary_runs(rng, t_len, 0.04)        # both binary
    x[:, 17] = 0.0
    x[t_len // 2:t_len // 2 + 3, 17] = 1.0           # one short run in the middle
    y[:, 18] = _binary_runs(rng, t_len, 0.5)         # many runs: direct products
    y[:, 19] = 0.0                                   # constant over the whole clip
    return x, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nan_safe_curve_matches_the_plain_definition(seed):
    """Lag by lag: which columns count (exactly) and their mean r (to float64 rounding)."""
    x, y = _boundary_pair(seed)
    got_rho, got_count = tlcc.nan_safe_rho(x, y)
    want_rho, want_count = ref.tlcc_rho_nan_safe(x, y)
    np.testing.assert_array_equal(got_count, want_count)
    assert got_count.min() < got_count.max() == 25 - 1     # the boundaries do cut columns
    np.testing.assert_allclose(got_rho, want_rho, rtol=0, atol=1e-9)   # r from prefix sums
    for lag_x in (x, x[::-1].copy()):                        # and with the runs on the other side
        got, _ = tlcc.nan_safe_rho(y, lag_x)
        want, _ = ref.tlcc_rho_nan_safe(y, lag_x)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_nan_safe_equals_official_without_constant_columns():
    rng = np.random.default_rng(5)
    spk = _smooth(rng, (3, 160, 25))
    pred = (np.roll(spk, -7, axis=1)[:, None] * 0.7 + _smooth(rng, (3, 4, 160, 25)) * 0.3).astype(np.float32)
    official, safe = tlcc.tlcc_offsets_with_nan_safe(pred, spk)
    np.testing.assert_array_equal(safe, official)
    want = np.array([[ref.tlcc_offset_nan_safe(pred[k, i], spk[k]) for i in range(4)] for k in range(3)])
    np.testing.assert_array_equal(safe, want)
    np.testing.assert_array_equal(official, [[ref.tlcc_offset(pred[k, i], spk[k]) for i in range(4)]
                                             for k in range(3)])
    scores = score_arrays(pred, pred[:, 0], spk, np.eye(3), metrics=["Synchrony_nan_safe", "Synchrony_all_samples"])
    assert scores["Synchrony_nan_safe"] == pytest.approx(scores["Synchrony_all_samples"], abs=1e-6)


def test_planted_lag_is_recovered_where_official_saturates():
    """A prediction that is the speaker delayed by k frames plus noise: |lag| = |k|. Four speaker
    columns are constant, so the official score is 49 for every pair."""
    rng = np.random.default_rng(3)
    s, t_len, margin = 5, 750, 60
    lags = np.array([[0, 3], [7, -5], [12, 20], [33, -18], [41, 1]])
    base = _smooth(rng, (s, t_len + 2 * margin, 25))
    base[:, :, :15] = base[:, :, :15] > 0.3                         # binary AU-like columns
    base[:, :, [2, 5, 9, 21]] = 0.0                                 # never-active columns
    spk = np.ascontiguousarray(base[:, margin:margin + t_len])
    pred = np.empty((s, lags.shape[1], t_len, 25), dtype=np.float32)
    for k in range(s):
        for i, lag in enumerate(lags[k]):                           # pred[t] = speaker[t - lag]
            pred[k, i] = base[k, margin - lag:margin - lag + t_len] + rng.normal(0, 0.2, (t_len, 25))
            pred[k, i, :, [2, 5, 9, 21]] = 0.0
    official, safe = tlcc.tlcc_offsets_with_nan_safe(pred, spk)
    assert np.all(official == SYNCHRONY_SATURATED)
    np.testing.assert_array_equal(safe, np.abs(lags))
    scores = score_arrays(pred, spk, spk, np.eye(s))
    assert scores["Synchrony"] == 49.0 and scores["Synchrony_saturated_share"] == 1.0
    assert scores["Synchrony_nan_safe"] == pytest.approx(np.abs(lags).mean(), abs=1e-12)


def test_a_constant_prediction_scores_the_maximum_lag():
    """No lag has a usable column: the NaN-safe score is the worst one, like the official."""
    rng = np.random.default_rng(4)
    spk = _smooth(rng, (2, 120, 25))
    pred = np.broadcast_to(spk.mean(axis=1)[:, None, None], (2, 3, 120, 25)).astype(np.float32)
    official, safe = tlcc.tlcc_offsets_with_nan_safe(pred, spk)
    assert np.all(official == TLCC_MAX_LAG) and np.all(safe == TLCC_MAX_LAG)


def test_repeated_samples_are_computed_once_with_the_same_result():
    pred, spk = _mixed_pair_data(2, n=2)
    rep = np.ascontiguousarray(np.repeat(pred[:, :1], 3, axis=1))
    official, safe = tlcc.tlcc_offsets_with_nan_safe(rep, spk)
    o1, s1 = tlcc.tlcc_offsets_with_nan_safe(np.ascontiguousarray(pred[:, :1]), spk)
    np.testing.assert_array_equal(official, np.repeat(o1, 3, axis=1))
    np.testing.assert_array_equal(safe, np.repeat(s1, 3, axis=1))


# -------------------------------------------------------------------------------- the diagnostic
def test_saturated_share_counts_sample_zero_only():
    rng = np.random.default_rng(8)
    spk = _smooth(rng, (4, 150, 25))
    pred = (np.roll(spk, 3, axis=1)[:, None] + _smooth(rng, (4, 2, 150, 25)) * 0.3).astype(np.float32)
    spk[1, :, 2] = 0.0                   # direction 1: constant speaker column -> 49
    pred[2, 0, :, 4] = 1.0               # direction 2: constant column in sample 0 -> 49
    pred[3, 1, :, 4] = 1.0               # direction 3: only sample 1 saturates: not counted
    got = score_arrays(pred, spk, spk, np.eye(4), metrics=["Synchrony", "Synchrony_saturated_share"])
    official = tlcc.tlcc_offsets(pred, spk)
    assert official[1, 0] == official[2, 0] == official[3, 1] == 49
    assert official[0, 0] < 49 and official[3, 0] < 49
    assert got["Synchrony_saturated_share"] == 0.5
    assert tlcc.synchrony_saturated_share(np.array([[49, 0], [3, 49], [49, 49]])) == pytest.approx(2 / 3)


def test_synchrony_is_the_official_float32_mean():
    """compute_TLCC_mp returns torch.mean(torch.Tensor(offsets)).item(): a float32 mean."""
    torch = pytest.importorskip("torch")
    offsets = np.random.default_rng(1).integers(0, 50, (1612, 10))
    official, all_samples = tlcc.synchrony_scores(offsets)
    assert official == torch.mean(torch.Tensor(offsets[:, 0].tolist())).item()
    assert all_samples == torch.mean(torch.Tensor(offsets.ravel().tolist())).item()
    assert official != float(np.mean(offsets[:, 0]))                 # the float64 mean differs here


# -------------------------------------------------------------------------------- reporting
def test_score_keys_and_pipeline_report():
    from react_bench.pipeline import score_predictions

    assert {"Synchrony_nan_safe", "Synchrony_saturated_share"} <= set(SCORE_KEYS)
    pred, spk = _mixed_pair_data(6, s=4, n=2, t_len=120)
    lst = np.ascontiguousarray(pred[:, 0])
    split = SplitData.from_arrays("test", spk, lst, appropriate=np.eye(4, dtype=np.uint8))
    out = score_predictions(pred, split, fid=False)
    scores = score_arrays(pred, lst, spk, np.eye(4))
    assert out["scores"]["Synchrony_nan_safe"] == scores["Synchrony_nan_safe"]
    assert out["scores"]["Synchrony"] == scores["Synchrony"]
    assert out["diagnostics"] == {"Synchrony_saturated_share": scores["Synchrony_saturated_share"]}

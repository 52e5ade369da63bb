"""The online track: the driver's contract (what a method sees, all 750 frames covered), causality
of every registered online method (frames after t + look-ahead changed -> predictions up to t
bit-identical under a seed), and the pipeline's online record and leaderboard label."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from conftest import single_torch_thread
from react_bench.constants import N_ATTRS, N_FRAMES
from react_bench.errors import ReactBenchError
from react_bench.methods import METHODS, get_method, method_names
from react_bench.methods.online import is_online, online_spec, predict_online

_few_threads = pytest.fixture(autouse=True, scope="module")(single_torch_thread)
ONLINE = [n for n in method_names() if getattr(METHODS.get(n), "online", False) is True]


@pytest.fixture(scope="module")
def data(smoke_splits):
    return smoke_splits


class Recorder:
    """A toy online method: each chunk is the mean of the speaker attributes it was shown, plus the
    sample index; it records what every step saw."""

    online = True
    name = "Recorder"

    def __init__(self, window: int, lookahead: int = 0, chunk: int | None = None) -> None:
        self.window, self.lookahead, self.chunk = window, lookahead, chunk or window
        self.calls: list[tuple[int, int, int]] = []

    def start(self, n_samples: int, seed: int) -> None:
        self.n = n_samples

    def step(self, clips, features, attributes, past):
        b, n, t0, _ = past.shape
        assert features["video"].shape[1] == features["audio"].shape[1] == attributes.shape[1]
        self.calls.append((int(clips[0]), t0, attributes.shape[1]))
        level = attributes.mean(axis=(1, 2))[:, None, None, None] + np.arange(n)[None, :, None, None]
        return np.broadcast_to(level, (b, n, self.chunk, N_ATTRS)).astype(np.float32)


@pytest.mark.parametrize("window,lookahead", [(16, 0), (16, 5), (1, 0), (100, 3)])
def test_driver_shows_frames_up_to_the_chunk_end_plus_lookahead_and_covers_all_frames(data, window, lookahead):
    test = data[2]
    method = Recorder(window, lookahead)
    pred = predict_online(method, test, n_samples=3, seed=0, batch_clips=3)
    assert pred.shape == (test.n_directions, 3, N_FRAMES, N_ATTRS) and pred.dtype == np.float32
    for clip, t0, seen in method.calls:
        assert seen == min(t0 + window + lookahead, N_FRAMES)
    chunks = -(-N_FRAMES // window)
    assert len(method.calls) == chunks * -(-test.n_directions // 3)
    assert {t0 for _, t0, _ in method.calls} == set(range(0, N_FRAMES, window))
    # every frame written (the last, shorter chunk too): frame t holds its chunk's value
    last = (chunks - 1) * window
    expected = np.asarray(test.speaker[0, :N_FRAMES], np.float64).mean()
    np.testing.assert_allclose(pred[0, 2, last:], expected + 2, rtol=1e-5)


def test_driver_refuses_short_chunks_and_non_online_methods(data):
    test = data[2]
    with pytest.raises(ReactBenchError, match="step returned"):
        predict_online(Recorder(16, chunk=8), test, n_samples=2, seed=0)
    with pytest.raises(ReactBenchError, match="not an online method"):
        predict_online(get_method("B_Mime"), test, n_samples=2, seed=0)
    assert online_spec(Recorder(16, 2)).to_dict() == {"window": 16, "lookahead": 2}
    assert not is_online(get_method("B_Mime"))


def test_there_are_online_methods():
    assert "TransVAE_online" in ONLINE and "TransVAE" not in ONLINE


@pytest.fixture(scope="module", params=ONLINE)
def fitted(request, data, tmp_path_factory):
    method = get_method(request.param, profile="smoke")
    method.fit(data[1], None, seed=1, device="cpu", run_dir=tmp_path_factory.mktemp(request.param))
    return request.param, method


def _changed_after(split, frame: int, seed: int = 7):
    """A copy of ``split`` whose speaker frames after ``frame`` are replaced by noise."""
    rng = np.random.default_rng(seed)
    out = copy.copy(split)
    for key in ("video", "audio", "speaker"):
        array = np.array(getattr(split, key), np.float32)
        array[:, frame + 1:] = rng.normal(2.0, 3.0, array[:, frame + 1:].shape)
        setattr(out, key, array)
    return out


def test_online_methods_are_causal(fitted, data):
    """Predictions for frames [0, t] are bit-identical when the speaker's frames after t + look-ahead
    change, for t at chunk ends (where a chunk-causal method's guarantee lies) and for lookahead 0
    and > 0; the change does reach later frames."""
    name, method = fitted
    test = data[2]
    w = online_spec(method).window
    for lookahead in (0, 3):
        ref = predict_online(method, test, n_samples=3, seed=4, lookahead=lookahead)
        np.testing.assert_array_equal(ref, predict_online(method, test, n_samples=3, seed=4, lookahead=lookahead))
        for t in (w - 1, 5 * w - 1, (N_FRAMES // w - 1) * w - 1):
            got = predict_online(method, _changed_after(test, t + lookahead), n_samples=3, seed=4,
                                 lookahead=lookahead)
            np.testing.assert_array_equal(got[:, :, :t + 1], ref[:, :, :t + 1], err_msg=f"{name} t={t} k={lookahead}")
            assert not np.array_equal(got[:, :, t + 1:], ref[:, :, t + 1:]), f"{name}: the change never mattered"


def test_online_predictions_are_seeded_and_batch_independent(fitted, data):
    name, method = fitted
    test = data[2]
    a = predict_online(method, test, n_samples=2, seed=3, batch_clips=8)
    np.testing.assert_array_equal(a, predict_online(method, test, n_samples=2, seed=3, batch_clips=3))
    assert not np.array_equal(a, predict_online(method, test, n_samples=2, seed=4, batch_clips=8))


def test_pipeline_runs_online_methods_through_the_driver_and_records_it(data, tmp_path):
    from react_bench.leaderboard import row_labels
    from react_bench.pipeline import run_method

    source = data[0]
    outcome = run_method("TransVAE_online", source, "test", seed=0, n_samples=2, submissions=tmp_path / "sub",
                         store=tmp_path / "store", runs=tmp_path / "runs", fid=False, log=lambda message: None)
    result = outcome.score.result
    assert result["online"] == {"window": 16, "lookahead": 0}
    assert row_labels([result]) == ["TransVAE_online (online)"]
    offline = {k: v for k, v in result.items() if k != "online"}
    assert row_labels([offline, result]) == ["TransVAE_online #1", "TransVAE_online #2 (online)"]
    ahead = {**result, "online": {**result["online"], "lookahead": 3}}
    assert row_labels([result, ahead]) == ["TransVAE_online #1 (online)", "TransVAE_online #2 (online, look-ahead 3)"]

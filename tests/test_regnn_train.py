"""REGNN training / inference plumbing on the smoke profile: artefacts, determinism, resume after a
kill, save/load, variants, zero-neighbour speakers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from react_bench.data.split import SplitData
from react_bench.methods.regnn import REGNNMethod
from react_bench.methods.regnn.config import make_config
from react_bench.methods.regnn.train import CHECKPOINT, ResumeError, lr_at
from conftest import fit_killed_after, single_torch_thread

FRAMES, ATTRS = 750, 25


_few_threads = pytest.fixture(autouse=True, scope="module")(single_torch_thread)


def _split(n: int, seed: int, dv: int = 12, da: int = 7, name: str = "train") -> SplitData:
    rng = np.random.default_rng(seed)
    app = (rng.random((n, n)) < 0.4).astype(np.uint8)
    np.fill_diagonal(app, 1)
    speaker = rng.random((n, FRAMES, ATTRS), dtype=np.float32)
    listener = rng.random((n, FRAMES, ATTRS), dtype=np.float32)
    return SplitData.from_arrays(name, speaker, listener, video=rng.standard_normal((n, FRAMES, dv), dtype=np.float32),
                                 audio=rng.standard_normal((n, FRAMES, da), dtype=np.float32), appropriate=app,
                                 speaker_paths=[f"s{i}" for i in range(n)], listener_paths=[f"l{i}" for i in range(n)])


@pytest.fixture(scope="module")
def data() -> tuple[SplitData, SplitData]:
    return _split(8, seed=0), _split(3, seed=1, name="test")


@pytest.fixture(scope="module")
def fitted(data, tmp_path_factory) -> tuple[REGNNMethod, Path]:
    run_dir = tmp_path_factory.mktemp("regnn_fit")
    method = REGNNMethod(profile="smoke", epochs=3)
    method.fit(data[0], None, seed=1, device="cpu", run_dir=run_dir)
    return method, run_dir


def test_fit_writes_run_artefacts(fitted) -> None:
    method, run_dir = fitted
    assert method.name == "regnn"
    cfg = json.loads((run_dir / "config.json").read_text())
    assert cfg["profile"] == "smoke" and cfg["video_dim"] == 12 and cfg["audio_dim"] == 7 and cfg["seed"] == 1
    losses = json.loads((run_dir / "losses.json").read_text())
    assert [h["epoch"] for h in losses] == [0, 1, 2]
    assert losses[0]["tau"] is None                                   # no hinge in epoch 0
    for prev, cur in zip(losses, losses[1:]):
        assert cur["tau"] == pytest.approx(prev["l_min"] / 3)         # tau = previous average L_min / 3
    assert all(np.isfinite(h["loss"]) and h["loss"] >= h["l_min"] for h in losses)
    assert (run_dir / "training_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ckpt = torch.load(run_dir / CHECKPOINT, weights_only=True)
    assert ckpt["epoch"] == 2 and set(ckpt) >= {"model", "optimizer", "rng", "state", "history", "config"}
    assert ckpt["state"]["tau"] == pytest.approx(losses[-1]["l_min"] / 3)
    weights = torch.load(run_dir / "model" / "weights.pt", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in weights.values())
    assert any(k.endswith("norm.initialised") for k in weights)


def test_predict_shape_and_determinism(fitted, data) -> None:
    method, _ = fitted
    test = data[1]
    a = method.predict(test, n_samples=10, seed=5)
    assert a.shape == (3, 10, FRAMES, ATTRS) and a.dtype == np.float32 and np.isfinite(a).all()
    np.testing.assert_array_equal(a, method.predict(test, n_samples=10, seed=5))
    assert not np.array_equal(a, method.predict(test, n_samples=10, seed=6))
    assert float(a.std(axis=1).mean()) > 1e-4                         # the 10 samples differ
    # batching clips differently does not change a clip's samples (up to float rounding of the
    # batched matmuls)
    method.config.infer_batch_clips = 1
    try:
        np.testing.assert_allclose(a, method.predict(test, n_samples=10, seed=5), rtol=0, atol=1e-5)
    finally:
        method.config.infer_batch_clips = 4


def test_encoder_runs_once_per_clip_batch(fitted, data, monkeypatch) -> None:
    method, _ = fitted
    calls = []
    original = method.model.encode

    def spy(video, audio):
        calls.append(video.shape[0])
        return original(video, audio)

    monkeypatch.setattr(method.model, "encode", spy)
    method.predict(data[1], n_samples=10, seed=0)
    assert calls == [3 * 29]                                          # 3 clips x 29 windows, not x 10


def test_same_seed_same_model(data, tmp_path, fitted) -> None:
    again = REGNNMethod(profile="smoke", epochs=3)
    again.fit(data[0], None, seed=1, device="cpu", run_dir=tmp_path)
    np.testing.assert_array_equal(again.predict(data[1], n_samples=2, seed=0),
                                  fitted[0].predict(data[1], n_samples=2, seed=0))


def test_resume_after_kill_matches_uninterrupted(fitted, data, tmp_path) -> None:
    fit_killed_after(REGNNMethod(profile="smoke", epochs=3), data[0], tmp_path, epoch=0, seed=1)
    assert torch.load(tmp_path / CHECKPOINT, weights_only=True)["epoch"] == 0
    resumed = REGNNMethod(profile="smoke", epochs=3)
    resumed.fit(data[0], None, seed=1, device="cpu", run_dir=tmp_path, resume=True)
    reference, ref_dir = fitted
    ref_state, state = reference.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(ref_state[k], state[k]) for k in ref_state)
    strip = [{k: v for k, v in h.items() if k != "seconds"} for h in resumed.history]
    assert strip == [{k: v for k, v in h.items() if k != "seconds"} for h in reference.history]
    np.testing.assert_array_equal(resumed.predict(data[1], n_samples=2, seed=0),
                                  reference.predict(data[1], n_samples=2, seed=0))
    with pytest.raises(ResumeError, match="different REGNN config"):
        REGNNMethod(profile="smoke", epochs=3, lambda_offset=3.0).fit(
            data[0], None, seed=1, device="cpu", run_dir=tmp_path, resume=True)


def test_save_load_roundtrip(fitted, data, tmp_path) -> None:
    method, _ = fitted
    method.save(tmp_path / "m")
    other = REGNNMethod()                                             # small profile by default
    other.load(tmp_path / "m")
    assert other.config.to_dict() == method.config.to_dict()
    np.testing.assert_array_equal(other.predict(data[1], n_samples=2, seed=3),
                                  method.predict(data[1], n_samples=2, seed=3))
    with pytest.raises(Exception, match="width"):
        other.predict(_split(2, seed=9, dv=5), n_samples=1, seed=0)


@pytest.mark.parametrize("variant,extra", [("video_only", {}), ("audio_only", {}), ("no_graph", {}),
                                           ("iresnet", {}), ("no_mefl", {}),
                                           ("default", dict(edge_dim=3, layers=3, sigma=0.6,
                                                            noise_mode="gaussian", topk_mask="per_row"))])
def test_variants_train_and_predict(variant: str, extra: dict, data, tmp_path) -> None:
    method = REGNNMethod(profile="smoke", variant=variant, epochs=1, steps_per_epoch=1, **extra)
    method.fit(data[0], None, seed=0, device="cpu", run_dir=tmp_path)
    pred = method.predict(data[1], n_samples=3, seed=0)
    assert pred.shape == (3, 3, FRAMES, ATTRS) and np.isfinite(pred).all()
    assert method.name == ("regnn" if variant == "default" else "regnn-" + variant.replace("_", "-"))


@pytest.mark.parametrize("mode", ["own_listener", "skip"])
def test_zero_neighbour_speakers(mode: str, tmp_path) -> None:
    split = _split(6, seed=4)
    split.appropriate[:] = 0
    split.appropriate[0, 1] = split.appropriate[1, 0] = 1              # four speakers have no neighbour
    method = REGNNMethod(profile="smoke", epochs=1, steps_per_epoch=2, zero_neighbour=mode)
    method.fit(split, None, seed=0, device="cpu", run_dir=tmp_path)
    assert np.isfinite(method.history[0]["loss"])


def test_lr_schedule_and_registry() -> None:
    cfg = make_config("paper")
    assert [lr_at(cfg, e) for e in (0, 8, 9, 99)] == pytest.approx([1e-4, 1e-4, 1e-5, 1e-5])
    paper_schedule = make_config("paper", lr_milestones=(20, 50))
    assert lr_at(paper_schedule, 50) == pytest.approx(1e-6)
    from react_bench.methods import METHODS

    factory = METHODS.get("regnn")
    method = factory(profile="smoke", variant="no_mefl")
    assert isinstance(method, REGNNMethod) and method.config.edge_dim == 1

"""BeLFusion specifics: 15 independent non-overlapping 50-frame windows per clip, and the
"+binarised AUs" option (the generic trained-baseline tests cover shapes, seeds, save/load, resume)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from baselines.belfusion.config import INFERENCE_FIELDS, make_config
from baselines.belfusion.method import clip_windows
from conftest import fit_killed_after, single_torch_thread
from test_baselines_trained import data  # noqa: F401  (the smoke (train, test) fixture)
from react_bench.constants import AU_SLICE, N_FRAMES
from react_bench.methods import METHODS, get_method

_few_threads = pytest.fixture(autouse=True, scope="module")(single_torch_thread)


@pytest.fixture(scope="module")
def fitted(data, tmp_path_factory):
    method = get_method("BeLFusion", profile="smoke")
    run_dir = tmp_path_factory.mktemp("belfusion")
    method.fit(data[0], None, seed=3, device="cpu", run_dir=run_dir)
    return method, run_dir


def test_fifteen_windows_of_fifty_frames() -> None:
    cfg = make_config("paper")
    assert (cfg.window, cfg.n_windows, cfg.z_dim, cfg.diffusion_steps, cfg.k) == (50, 15, 128, 10, 10)
    x = torch.arange(2 * N_FRAMES, dtype=torch.float32).reshape(2, N_FRAMES, 1)
    windows = clip_windows(x, cfg.window)
    assert windows.shape == (30, 50, 1)
    assert torch.equal(windows[16, :, 0], torch.arange(N_FRAMES + 50, N_FRAMES + 100, dtype=torch.float32))


def test_each_window_sees_only_its_own_speaker_frames(fitted, data) -> None:
    """Windows are independent (no conditioning on the previous window, no seam blending): a change
    to the speaker's frames 100-149 changes the prediction in frames 100-149 only."""
    method, _ = fitted
    test = data[1]
    before = method.predict(test, n_samples=2, seed=0)
    video, audio, speaker = (np.array(a, copy=True) for a in (test.video, test.audio, test.speaker))
    for array in (video, audio, speaker):
        array[0, 100:150] = array[0, 100:150][::-1] + 0.5
    after = method.predict(dataclasses.replace(test, video=video, audio=audio, speaker=speaker), n_samples=2, seed=0)
    changed = np.abs(after - before).max(axis=(1, 3))                # (S, 750)
    assert changed[0, 100:150].max() > 0
    assert changed[0, :100].max() == 0 and changed[0, 150:].max() == 0 and changed[1:].max() == 0


def test_binarize_aus_rounds_the_15_au_columns_only(fitted, data, tmp_path) -> None:
    method, run_dir = fitted
    assert method.config.binarize_aus is False                     # default
    plain = method.predict(data[1], n_samples=3, seed=1)
    binary = get_method("BeLFusion", profile="smoke", binarize_aus=True)
    binary.load(run_dir / "model")                                  # same weights; this instance's choice holds
    assert binary.config.binarize_aus is True
    rounded = binary.predict(data[1], n_samples=3, seed=1)
    np.testing.assert_array_equal(rounded[..., AU_SLICE], np.round(plain[..., AU_SLICE]))
    np.testing.assert_array_equal(rounded[..., 15:], plain[..., 15:])
    assert not np.array_equal(plain[..., AU_SLICE], rounded[..., AU_SLICE])


def test_binarize_aus_is_an_inference_field(fitted, data, tmp_path) -> None:
    """A "+binarised AUs" row shares the trained model: the option is registered as an inference field
    and is not part of the checkpoint's architecture, so the copied checkpoint resumes without training."""
    assert METHODS.entry("BeLFusion").inference_fields == INFERENCE_FIELDS == ("binarize_aus",)
    assert "binarize_aus" not in make_config("smoke").architecture_dict()
    method, run_dir = fitted
    for name in ("checkpoint.pt", "losses.json"):
        (tmp_path / name).write_bytes((run_dir / name).read_bytes())
    shared = get_method("BeLFusion", profile="smoke", binarize_aus=True)
    shared.fit(data[0], None, seed=3, device="cpu", run_dir=tmp_path, resume=True,
               on_epoch_end=lambda epoch, record: pytest.fail("a resumed finished run trains no epoch"))
    ref, got = method.model.state_dict(), shared.model.state_dict()
    assert all(torch.equal(ref[k], got[k]) for k in ref)
    assert [r["stage"] for r in json.loads((tmp_path / "losses.json").read_text())] == ["ldm", "ldm"]
    aus = shared.predict(data[1], n_samples=2, seed=0)[..., AU_SLICE]
    assert np.array_equal(aus, np.round(aus))


@pytest.mark.parametrize("kill_at", ["end of stage 1", "first stage-2 epoch"])
def test_resume_after_a_kill_in_either_stage(fitted, data, tmp_path, kill_at) -> None:
    """Killed after stage 1's last epoch (no stage-2 checkpoint yet) or after stage 2's first: the
    resumed run trains only what is left and ends with the uninterrupted run's weights."""
    method, _ = fitted
    vae_epochs = method.config.vae_epochs
    kill_epoch = vae_epochs - 1 if kill_at == "end of stage 1" else vae_epochs

    fit_killed_after(get_method("BeLFusion", profile="smoke"), data[0], tmp_path, epoch=kill_epoch, seed=3)
    stage_1 = (tmp_path / "vae" / "losses.json").read_text()
    trained: list[int] = []
    resumed = get_method("BeLFusion", profile="smoke")
    resumed.fit(data[0], None, seed=3, device="cpu", run_dir=tmp_path, resume=True,
                on_epoch_end=lambda epoch, record: trained.append(epoch))
    assert trained == list(range(kill_epoch + 1, vae_epochs + method.config.ldm_epochs))
    assert (tmp_path / "vae" / "losses.json").read_text() == stage_1          # stage 1 was not rerun
    ref, got = method.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(ref[k], got[k]) for k in ref)
    np.testing.assert_array_equal(resumed.predict(data[1], n_samples=2, seed=0),
                                  method.predict(data[1], n_samples=2, seed=0))

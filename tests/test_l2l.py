"""L2L specifics beyond the generic trained-baseline tests: smooth token/window boundaries, nucleus
sampling, and resume after a kill in stage 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import test_baselines_trained
from conftest import fit_killed_after, single_torch_thread
from react_bench.methods import get_method

_few_threads = pytest.fixture(autouse=True, scope="module")(single_torch_thread)
data = test_baselines_trained.data          # the smoke (train, test) splits, one module-scoped fixture


@pytest.fixture(scope="module")
def fitted(data, tmp_path_factory):
    method = get_method("L2L", profile="smoke")
    method.fit(data[0], None, seed=1, device="cpu", run_dir=tmp_path_factory.mktemp("l2l"))
    return method


def boundary_ratio(pred: np.ndarray, token_frames: int) -> float:
    """Mean |frame-to-frame step| across token (and decoded-window) boundaries over the mean step
    inside tokens."""
    step = np.abs(np.diff(pred.astype(np.float64), axis=2)).mean(axis=(0, 1, 3))     # step t -> t+1
    at_boundary = np.arange(step.size) % token_frames == token_frames - 1
    return float(step[at_boundary].mean() / step[~at_boundary].mean())


def test_no_jumps_at_token_boundaries(fitted, data) -> None:
    """learning2listen#8: the original decodes 4-token windows side by side and jumps every 32
    frames; overlapping windows cross-faded at a stride of one token leave no such steps."""
    pred = fitted.predict(data[1], n_samples=10, seed=0)
    assert boundary_ratio(pred, fitted.config.token_frames) < 1.3


def test_samples_differ_and_follow_the_seed(fitted, data) -> None:
    a = fitted.predict(data[1], n_samples=3, seed=0)
    b = fitted.predict(data[1], n_samples=3, seed=1)
    assert not np.array_equal(a, b)
    assert all(not np.array_equal(a[:, 0], a[:, j]) for j in (1, 2))


def test_nucleus_sampling_keeps_the_top_mass() -> None:
    from baselines.l2l.model import nucleus_sample

    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]])).repeat(2000, 1)
    draws = nucleus_sample(logits, 1.0, 0.7, [torch.Generator().manual_seed(0)])
    assert set(draws.tolist()) == {0, 1}                       # 0.5 < 0.7: the token crossing it stays
    assert set(nucleus_sample(logits, 1.0, 0.4, [torch.Generator().manual_seed(0)]).tolist()) == {0}
    cold = nucleus_sample(logits, 0.05, 1.0, [torch.Generator().manual_seed(0)])
    assert (cold == 0).float().mean() > 0.99                   # low temperature: near argmax


def test_nucleus_sampling_draws_each_block_from_its_own_generator() -> None:
    """The rollout samples all n x b rows in one call: block j equals a call on block j alone."""
    from baselines.l2l.model import nucleus_sample

    logits = torch.randn(3 * 40, 200, generator=torch.Generator().manual_seed(1))
    together = nucleus_sample(logits, 0.7, 0.9, [torch.Generator().manual_seed(s) for s in (5, 6, 7)])
    alone = [nucleus_sample(logits[j * 40:(j + 1) * 40], 0.7, 0.9, [torch.Generator().manual_seed(s)])
             for j, s in enumerate((5, 6, 7))]
    assert torch.equal(together, torch.cat(alone))
    assert not torch.equal(alone[0], nucleus_sample(logits[:40], 0.7, 0.9, [torch.Generator().manual_seed(6)]))


def test_resume_after_a_kill_in_stage_2(fitted, data, tmp_path) -> None:
    first_stage_2_epoch = fitted.config.vq_epochs

    fit_killed_after(get_method("L2L", profile="smoke"), data[0], tmp_path, epoch=first_stage_2_epoch, seed=1)
    stage_1 = (tmp_path / "vqvae" / "losses.json").read_text()
    assert len(json.loads((tmp_path / "losses.json").read_text())) == 1
    resumed = get_method("L2L", profile="smoke")
    resumed.fit(data[0], None, seed=1, device="cpu", run_dir=tmp_path, resume=True)
    assert (tmp_path / "vqvae" / "losses.json").read_text() == stage_1            # stage 1 was not rerun
    ref, got = fitted.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(ref[k], got[k]) for k in ref)


def test_registry_lists_the_inference_fields() -> None:
    from baselines.l2l.config import INFERENCE_FIELDS
    from react_bench.methods import METHODS, method_names

    assert "L2L" in method_names() and METHODS.entry("L2L").inference_fields == INFERENCE_FIELDS

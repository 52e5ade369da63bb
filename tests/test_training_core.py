"""The shared training core's schedule: optimiser choice and the LR steps."""

from __future__ import annotations

import pytest
import torch

from react_bench.errors import ReactBenchError
from react_bench.methods.training import Schedule


def _one_step(optimizer_name: str) -> float:
    """One step on a weight whose loss gradient is zero: only weight decay moves it."""
    w = torch.nn.Parameter(torch.ones(1))
    opt = Schedule(1, 1, 1, lr=0.1, weight_decay=0.5, optimizer=optimizer_name).make_optimizer([w])
    (w * 0.0).sum().backward()
    opt.step()
    return float(w.detach())


def test_adamw_decays_decoupled_and_adam_through_the_gradient() -> None:
    # AdamW: w <- w (1 - lr wd) = 0.95. Adam: the L2 term becomes the gradient, normalised by
    # Adam's second moment, so the first step is a full lr step: w <- 1 - 0.1 = 0.9.
    assert _one_step("adamw") == pytest.approx(0.95, abs=1e-6)
    assert _one_step("adam") == pytest.approx(0.9, abs=1e-4)


def test_unknown_optimizer_is_refused() -> None:
    with pytest.raises(ReactBenchError, match="optimizer"):
        Schedule(1, 1, 1, lr=0.1, optimizer="sgd")


def test_a_config_naming_an_unknown_optimizer_is_refused_when_built() -> None:
    from baselines.belfusion.config import make_config as belfusion_config
    from baselines.transvae.config import make_config as transvae_config

    with pytest.raises(ReactBenchError, match="optimizer 'sgd'"):
        transvae_config("smoke", optimizer="sgd")
    with pytest.raises(ReactBenchError, match="optimizer 'sgd'"):
        belfusion_config("smoke", optimizer="sgd")


def test_lr_steps_at_the_milestones() -> None:
    s = Schedule(10, 5, 4, lr=1.0, lr_milestones=(3, 6), lr_gamma=0.5)
    assert [s.lr_at(e) for e in (0, 2, 3, 5, 6, 9)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert s.steps(n_items=10) == 3 and s.steps(n_items=100) == 5


def test_challenge_baselines_use_their_originals_adamw() -> None:
    # REACT 2023/2024 train.py and train_belfusion.py: optim.AdamW, weight decay 5e-4.
    from baselines.belfusion.config import make_config as belfusion_config
    from baselines.transvae.config import make_config as transvae_config

    for cfg in (transvae_config("paper"), transvae_config("paper", online=True)):
        assert (cfg.optimizer, cfg.weight_decay) == ("adamw", 5e-4)
    b = belfusion_config("paper")
    assert (b.optimizer, b.vae_weight_decay, b.ldm_weight_decay) == ("adamw", 5e-4, 5e-4)


def test_fit_setup_needs_a_run_dir_records_the_seed_and_defaults_resume(tmp_path) -> None:
    from types import SimpleNamespace

    from react_bench.methods.training import fit_setup

    cfg = SimpleNamespace(seed=None, resume=True)
    with pytest.raises(ReactBenchError, match="X.fit needs a run_dir"):
        fit_setup("X", cfg, 3, "cpu", None)
    run_dir, device, resume = fit_setup("X", cfg, 3, "cpu", str(tmp_path))
    assert (run_dir, device.type, resume, cfg.seed) == (tmp_path, "cpu", True, 3)
    assert fit_setup("X", cfg, 3, "auto", tmp_path, resume=False)[2] is False

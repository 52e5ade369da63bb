"""The shared training core's schedule: optimiser choice and the LR steps."""

from __future__ import annotations

import json

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


# ---------------------------------------------------------------- opt-in torch.compile (GPU speed)
def test_compile_mode_reads_the_switch_and_refuses_unknown_modes(monkeypatch) -> None:
    from react_bench.methods.config import COMPILE_ENV, compile_mode
    from react_bench.methods.training import compiled

    def net(x):
        return x + 1

    for unset in (None, "", "off"):
        if unset is None:
            monkeypatch.delenv(COMPILE_ENV, raising=False)
        else:
            monkeypatch.setenv(COMPILE_ENV, unset)
        assert compile_mode() is None and compiled(net) is net       # eager: the network itself
    monkeypatch.setenv(COMPILE_ENV, "reduce-overhead")
    assert compile_mode() == "reduce-overhead" and compiled(net) is not net
    monkeypatch.setenv(COMPILE_ENV, "fast")
    with pytest.raises(ReactBenchError, match="unknown compile mode 'fast'"):
        compile_mode()


def test_a_compiled_training_run_trains_like_the_eager_one_and_is_recorded(tmp_path, tmp_path_factory,
                                                                           monkeypatch) -> None:
    """DyadGAN (the cheapest to compile, ~10 s on one CPU core) through the pipeline with
    REACT_BENCH_COMPILE=default: the networks run compiled, the losses stay close to the eager run's
    (not equal: fused kernels), the run and its result record the mode, and the saved generator is
    the plain network (its weights load into an eager model)."""
    import shutil

    import torch._dynamo
    from conftest import cached_source

    if not any(shutil.which(cc) for cc in ("g++", "c++", "clang++")):
        pytest.skip("torch.compile on the CPU needs a C++ compiler")
    source = cached_source(tmp_path_factory, "smoke")
    try:
        _compiled_and_eager_runs(source, tmp_path, monkeypatch)
    finally:
        torch._dynamo.reset()                   # later tests start without this test's compiled graphs


def _compiled_and_eager_runs(source, tmp_path, monkeypatch) -> None:
    import torch._dynamo

    from react_bench.data.reader import load_split
    from react_bench.methods import get_method
    from react_bench.methods.config import COMPILE_ENV
    from react_bench.pipeline import run_method
    from react_bench.results import array_sha256

    histories, results = {}, {}
    for mode in ("off", "default"):
        monkeypatch.setenv(COMPILE_ENV, mode)
        torch._dynamo.reset()
        torch._dynamo.utils.counters.clear()
        out = tmp_path / mode
        outcome = run_method("DyadGAN", source, "test", seed=0, device="cpu", submissions=out / "submissions",
                             store=out / "results", runs=out / "runs", fid=False, leaderboard=None,
                             log=lambda _msg: None)
        histories[mode] = json.loads((outcome.run_dir / "losses.json").read_text())
        results[mode] = outcome.score.result
        run_record = json.loads((outcome.run_dir / "run.json").read_text())
        assert run_record.get("compile") == (None if mode == "off" else mode)
        graphs = torch._dynamo.utils.counters["stats"]["unique_graphs"]
        assert (graphs == 0) if mode == "off" else (graphs > 0)      # compiled only when asked
    assert "compile" not in results["off"] and results["default"]["compile"] == "default"
    for eager, fused in zip(histories["off"], histories["default"]):
        assert fused["loss"] == pytest.approx(eager["loss"], rel=0.05)
    assert results["default"]["scores"]["FRDist"] == pytest.approx(results["off"]["scores"]["FRDist"], rel=0.05)
    reloaded = get_method("DyadGAN", profile="smoke")        # the compiled run saved the plain generator
    reloaded.load(tmp_path / "default" / "runs" / results["default"]["run_id"] / "model")
    again = reloaded.predict(load_split(source.root, "test"), n_samples=results["default"]["n_samples"], seed=0)
    assert array_sha256(again) == results["default"]["predictions_sha256"]



# ---------------------------------------------------------------- cuda-graphs: whole steps replayed
def test_cuda_graphs_is_a_mode_that_compiles_nothing_and_needs_cuda(monkeypatch) -> None:
    from react_bench.methods.config import COMPILE_ENV, STEP_GRAPHS, compile_mode
    from react_bench.methods.training import compiled

    def net(x):
        return x + 1

    monkeypatch.setenv(COMPILE_ENV, STEP_GRAPHS)
    assert compile_mode() == STEP_GRAPHS and compile_mode("cuda") == STEP_GRAPHS
    assert compiled(net) is net                      # the step is captured whole, nothing is compiled
    with pytest.raises(ReactBenchError, match="cuda-graphs needs a CUDA device"):
        compile_mode("cpu")
    monkeypatch.setenv(COMPILE_ENV, "reduce-overhead")
    assert compile_mode("cpu") == "reduce-overhead"  # torch.compile modes run on the CPU too


class _ReplayEagerly:
    """Stands in for a CUDA graph on the CPU: replay runs the captured body on the static input."""

    def __init__(self, body, items: torch.Tensor) -> None:
        self.body, self.items = body, items
        self.out = body(items)                       # (a real capture records; the first replay runs)

    def replay(self) -> None:
        self.out.copy_(self.body(self.items))


def _bookkeeping_graphs(batch_size: int, optimizer: torch.optim.Optimizer):
    """StepGraphs with its two CUDA-only calls (side-stream warm-up, capture) replaced, so that what
    it decides (warm-up, which steps replay, one graph per key and rate) is checked on the CPU."""
    from react_bench.methods import step_graphs

    calls = {"side": 0, "captures": []}

    class CpuGraphs(step_graphs.StepGraphs):
        def __init__(self) -> None:               # the parent refuses a non-CUDA device
            self.name, self.batch_size, self.optimizers = "test", batch_size, [optimizer]
            self.graphs, self.rates, self.warm, self.replayed, self.captures = {}, None, 0, 0, 0

        def _on_side_stream(self, body, items):
            calls["side"] += 1
            return body(items)

        def _capture(self, body, items):
            fake = _ReplayEagerly(body, items.clone())
            calls["captures"].append(fake)
            return step_graphs._Captured(fake, fake.items, fake.out)

    return CpuGraphs(), calls, step_graphs.WARMUP


def test_step_graphs_warm_up_then_replay_full_batches_one_graph_per_key_and_rate() -> None:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    graphs, calls, warmup = _bookkeeping_graphs(4, optimizer)
    seen: list[list[int]] = []

    def body(items: torch.Tensor) -> torch.Tensor:
        seen.append(items.tolist())
        return items.sum().float().reshape(1)

    batches = [torch.arange(4) + 10 * i for i in range(warmup + 4)]
    outs = [float(graphs.run(body, b, "a")) for b in batches]
    assert calls["side"] == warmup and len(calls["captures"]) == 1
    assert outs == [float(b.sum()) for b in batches]          # every replay saw its own batch
    # warm-up, then the capture's own pass over the first full batch, then one replay per step
    expected = batches[:warmup] + [batches[warmup]] + batches[warmup:]
    assert seen == [b.tolist() for b in expected]
    assert graphs.replayed == 4
    short = torch.tensor([1, 2])                               # a pass's last, shorter batch: eager
    assert float(graphs.run(body, short, "a")) == 3.0 and graphs.replayed == 4
    graphs.run(body, batches[0], "b")                          # a second variant: its own graph
    graphs.run(body, batches[1], "a")                          # the first is still replayed
    assert len(calls["captures"]) == 2 and graphs.replayed == 6
    optimizer.param_groups[0]["lr"] = 0.01                     # a new rate (any optimiser's): captured again
    graphs.run(body, batches[2], "a")
    assert len(calls["captures"]) == 3 and set(graphs.graphs) == {"a"}


def test_set_capturable_moves_adam_step_counts_both_ways() -> None:
    from react_bench.methods.step_graphs import set_capturable

    w = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.Adam([w], lr=0.1)
    (w * 2).sum().backward()
    opt.step()
    opt.state[w]["step"] = torch.tensor(1.0, dtype=torch.float64)   # as a foreign checkpoint might hold it
    set_capturable([opt], True, torch.device("cpu"))
    assert opt.param_groups[0]["capturable"] is True and opt.state[w]["step"].dtype == torch.float32
    assert opt._warned_capturable_if_run_uncaptured                   # warm-up runs it uncaptured on purpose
    set_capturable([opt], False, torch.device("cpu"))
    assert opt.param_groups[0]["capturable"] is False
    opt.step()                                                  # the plain path works again
    assert float(opt.state[w]["step"]) == 2.0
    sgd = torch.optim.SGD([w], lr=0.1)                          # no capturable flag: left alone
    set_capturable([sgd], True, torch.device("cpu"))
    assert "capturable" not in sgd.param_groups[0]


def test_before_step_runs_before_every_step_and_a_capturable_checkpoint_resumes_eagerly(tmp_path) -> None:
    """The core calls before_step once per step, before the step; and a checkpoint written under
    cuda-graphs (capturable Adam) resumes on the CPU, where the core switches Adam back."""
    from react_bench.methods.training import CHECKPOINT, Schedule, train_loop

    torch.manual_seed(0)
    net = torch.nn.Linear(3, 1)
    x = torch.randn(12, 3)
    order: list[str] = []

    def before_step(state: dict) -> int:
        order.append("before")
        state["turns"] += 1
        return state["turns"] % 2

    def step(items, state, generator):
        order.append("step")
        return net(x[items]).pow(2).mean(), {}

    schedule = Schedule(2, 3, 4, lr=0.01)
    history = train_loop(net, schedule, 12, step, seed=0, device=torch.device("cpu"), run_dir=tmp_path,
                         architecture={"n": 1}, loss_keys=("loss",), name="t", state={"turns": 0},
                         before_step=before_step)
    assert order == ["before", "step"] * 6 and history[-1]["turns"] == 6
    assert "replayed_steps" not in history[-1]                 # recorded only under cuda-graphs
    ckpt = torch.load(tmp_path / CHECKPOINT, weights_only=True)
    for group in ckpt["optimizer"]["param_groups"]:
        group["capturable"] = True
    ckpt["epoch"], ckpt["history"], ckpt["state"] = 0, ckpt["history"][:1], {"turns": 3}   # as after epoch 0
    torch.save(ckpt, tmp_path / CHECKPOINT)
    again = train_loop(net, schedule, 12, step, seed=0, device=torch.device("cpu"), run_dir=tmp_path,
                       architecture={"n": 1}, loss_keys=("loss",), name="t", state={"turns": 0}, resume=True,
                       before_step=before_step)
    assert len(again) == 2 and again[-1]["turns"] == 6


def test_a_step_that_cannot_be_captured_is_reported_with_its_own_cause(monkeypatch) -> None:
    """When a step raises inside a capture, torch's graph context raises "invalidated capture" on
    exit; the error a user sees must name the step's own error (CUDA stood in for on the CPU)."""
    import contextlib

    from react_bench.methods import step_graphs

    class FakeGraph:
        def register_generator_state(self, generator) -> None:
            pass

    @contextlib.contextmanager
    def capturing(graph):
        try:
            yield
        finally:
            raise RuntimeError("CUDA error: operation failed due to a previous error during capture")

    monkeypatch.setattr(torch.cuda, "CUDAGraph", FakeGraph)
    monkeypatch.setattr(torch.cuda, "graph", capturing)
    monkeypatch.setattr(torch.cuda, "device", lambda device: contextlib.nullcontext())
    graphs = object.__new__(step_graphs.StepGraphs)
    graphs.name, graphs.generator, graphs.device, graphs.optimizers = "M", torch.Generator(), "cuda", []

    def step(items):
        raise RuntimeError("operation not permitted when stream is capturing")

    with pytest.raises(ReactBenchError, match="M: its training step cannot be captured.*operation not permitted"):
        graphs._capture(step, torch.arange(4))

"""A CUDA graph cannot capture a step that reads the GPU from the host, and on a GPU such a read
would only show as a failed capture (step_graphs). So it is checked here, on the CPU: every
baseline's training step (the method's step, backward and the optimisers' updates: the core's
``one_step``) is run under dispatch_count's mode, and must make no host read that the mode can see
(``.item()``, ``bool(t)``, ``nonzero``, boolean-mask indexing, ``.tolist()``, ...; not a copy from
the host, which on the CPU is no copy). REGNN's does (ActNorm's flag, ``nonzero``),
which is why it declares itself not graphable; that it is caught shows the check can fail."""

from __future__ import annotations

import pytest
import torch

from react_bench.methods import METHODS, get_method, method_names
from react_bench.methods.dispatch_count import DispatchCount

# every trained baseline: none may read back (REGNN, which does, declares graphable=False)
BASELINES = [n for n in method_names() if {"trained", "baseline"} <= set(METHODS.entry(n).tags)]


def _step_reads(name: str, train, run_dir) -> dict[str, int]:
    method = get_method(name, profile="smoke")
    with DispatchCount() as count:
        method.fit(train, None, seed=0, device="cpu", run_dir=run_dir)
    assert count.kernels > 0
    return dict(count.step_reads)


def test_the_baselines_are_all_checked() -> None:
    assert {"BeLFusion", "DyadGAN", "Huang_S", "L2L", "TransVAE", "TransVAE_online", "UNet"} <= set(BASELINES)


@pytest.mark.parametrize("name", BASELINES)
def test_graphable_training_steps_read_nothing_back(name, smoke_splits, tmp_path) -> None:
    _, train, _ = smoke_splits
    assert _step_reads(name, train, tmp_path) == {}


def test_regnn_step_reads_back_and_is_declared_not_graphable(smoke_splits, tmp_path) -> None:
    _, train, _ = smoke_splits
    assert _step_reads("regnn", train, tmp_path)


def test_a_read_inside_the_core_step_is_attributed_to_it(tmp_path) -> None:
    """The attribution rests on the core's step function's name (dispatch_count.STEP_FRAME): a
    read in a step must land in step_reads, one in the loop's own epoch bookkeeping must not."""
    from react_bench.methods.training import Schedule, train_loop

    net = torch.nn.Linear(2, 1)
    x = torch.randn(8, 2)

    def step(items, state, generator):
        loss = net(x[items]).pow(2).mean()
        state["seen"] = float(loss.detach())          # host reads inside the step: dispatched,
        state["listed"] = loss.detach().tolist()      # and not (tolist reads without dispatching)
        return loss, {}

    def epoch_end(epoch, means, state):
        state["seen"] = float(net.weight.detach().sum())   # a host read outside the step

    with DispatchCount() as count:
        train_loop(net, Schedule(1, 2, 4, lr=0.01), 8, step, seed=0, device=torch.device("cpu"), run_dir=tmp_path,
                   architecture={}, loss_keys=("loss",), name="t", state={"seen": 0.0, "listed": 0.0},
                   epoch_end=epoch_end)
    assert sum(count.step_reads.values()) == 4                # twice per step
    assert count.syncs > 4                                    # and the epoch end's, outside the step
    assert "tolist" not in torch.Tensor.__dict__              # torch's own method again afterwards


def test_boolean_mask_indexing_and_item_are_host_reads() -> None:
    from react_bench.methods.dispatch_count import is_host_read

    x, mask = torch.randn(4, 3), torch.tensor([True, False, True, False])
    seen = []

    class Record(DispatchCount):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            seen.append(is_host_read(func, args))
            return func(*args, **(kwargs or {}))

    for expr, expected in ((lambda: x[mask], True), (lambda: x[torch.tensor([0, 2])], False),
                           (lambda: float(x.sum()), True), (lambda: x.masked_fill(mask[:, None], 0.0), False),
                           (lambda: x.nonzero(), True), (lambda: x.repeat_interleave(2, dim=1), False)):
        seen.clear()
        with Record():
            expr()
        assert any(seen) is expected, expr

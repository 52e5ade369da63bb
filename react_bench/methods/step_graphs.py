"""Whole training steps captured as CUDA graphs and replayed (``REACT_BENCH_COMPILE=cuda-graphs``).

The originals' schedules are many small steps, and an eager step on a GPU costs its kernel launches
and Python, not its arithmetic (docs/baselines.md, "GPU speed"). ``torch.compile`` of the networks
leaves the loss, the backward glue and the optimisers eager; this captures everything one training
step does (the method's step, ``zero_grad``, backward, the optimisers' updates, the stacked loss
terms) into one CUDA graph per *variant* of the step and replays it, so a step costs one launch.

The rules a graph imposes, and how they are met here:

- Python in the step runs once, at capture. A method whose step changes with Python state declares
  it through the core's ``before_step(state)``, which runs before every step, replayed or not, and
  returns the variant's key (the window GANs: whether D is updated this step). One graph per key.
- Shapes are static: only full batches are replayed; a pass's shorter last batch runs eagerly.
- Nothing in the step may read the GPU from the host (``.item()``, ``nonzero``, boolean indexing);
  capture fails loudly on that (REGNN's step does, so it never asks for graphs).
- The learning rate is baked into a captured optimiser step: the graphs are captured anew whenever
  any optimiser's rate changes. The optimisers are switched to ``capturable`` Adam (their step counts on
  the device).
- Random numbers: the run's generator is registered with every graph (graph-safe Philox offsets),
  dropout's default generator is registered by torch; each replay draws fresh numbers.
- The first ``WARMUP`` steps of a ``train_loop`` run eagerly on a side stream (lazy initialisation,
  the optimisers' state), as torch's whole-network capture recipe does.
- Each graph has its own memory pool; the tensors that live across replays (parameters, optimiser
  state, the step's inputs and outputs) are allocated outside the graphs or held by them.

Replayed training is not bit-identical to eager training (capturable Adam computes its bias
correction on the device; whether every replay draws the very random numbers an eager step would is
not checked), as with ``torch.compile``; the pinned eager bytes are untouched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterable, TypeVar

import torch

from ..errors import ReactBenchError

log = logging.getLogger(__name__)

WARMUP = 3                      # eager steps on a side stream before the first capture

StepBody = Callable[[torch.Tensor], torch.Tensor]     # items -> the stacked loss terms, after the update
T = TypeVar("T")


def on_side_stream(fn: Callable[[], T], device: torch.device | str = "cuda") -> T:
    """``fn()`` on a fresh side stream, ordered after and before the current stream's work: how
    torch's capture recipe warms up what it will capture (also benchmarks/cuda_graph_floor.py)."""
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        out = fn()
    torch.cuda.current_stream(device).wait_stream(side)
    return out


def set_capturable(optimizers: Iterable[torch.optim.Optimizer], on: bool, device: torch.device) -> None:
    """Switch Adam/AdamW between the capturable path (step counts on ``device``) and the plain one.
    A no-op for optimisers that already are; needed after a resume, whose saved state says otherwise."""
    for opt in optimizers:
        if on:          # the warm-up steps run capturable Adam uncaptured on purpose: no warning
            opt._warned_capturable_if_run_uncaptured = True
        for group in opt.param_groups:
            if "capturable" not in group or group["capturable"] == on:
                continue
            group["capturable"] = on
            for p in group["params"]:
                step = opt.state.get(p, {}).get("step")
                if isinstance(step, torch.Tensor):
                    opt.state[p]["step"] = step.to(device if on else "cpu", torch.float32)


@dataclass
class _Captured:
    graph: Any                  # torch.cuda.CUDAGraph
    items: torch.Tensor         # static input, refilled before each replay
    out: torch.Tensor           # static output: the stacked loss terms


class StepGraphs:
    """The graphs of one ``train_loop``: ``run(body, items, key)`` performs one training step,
    eagerly or by replay, and returns the step's stacked loss terms."""

    def __init__(self, name: str, device: torch.device, generator: torch.Generator, batch_size: int,
                 optimizers: list[torch.optim.Optimizer]) -> None:
        if device.type != "cuda":
            raise ReactBenchError(f"{name}: cuda-graphs needs a CUDA device (this run is on {device})")
        self.name, self.device, self.generator, self.batch_size = name, device, generator, batch_size
        set_capturable(optimizers, True, device)
        self.optimizers = optimizers
        self.graphs: dict[Hashable, _Captured] = {}
        self.rates: tuple[float, ...] | None = None
        self.warm = 0
        self.replayed = 0                      # steps replayed from a graph (recorded per epoch)
        self.captures = 0

    def run(self, body: StepBody, items: torch.Tensor, key: Hashable) -> torch.Tensor:
        """The returned tensor is a graph's static output, overwritten by its next replay: read it
        (the core adds it to the epoch's sums) before the next step."""
        if self.warm < WARMUP:
            self.warm += 1
            return self._on_side_stream(body, items)
        if items.numel() != self.batch_size:
            return body(items)                 # a pass's shorter last batch
        rates = self.learning_rates()
        if rates != self.rates:                # the rates are baked into the captured optimiser steps
            self.graphs.clear()
            self.rates = rates
        captured = self.graphs.get(key)
        if captured is None:
            captured = self.graphs[key] = self._capture(body, items)
        else:
            captured.items.copy_(items)
        captured.graph.replay()
        self.replayed += 1
        return captured.out

    def learning_rates(self) -> tuple[float, ...]:
        """Every optimiser's rate, every parameter group's (a GAN's D has its own optimiser)."""
        return tuple(float(group["lr"]) for opt in self.optimizers for group in opt.param_groups)

    def _on_side_stream(self, body: StepBody, items: torch.Tensor) -> torch.Tensor:
        return on_side_stream(lambda: body(items), self.device)

    def _capture(self, body: StepBody, items: torch.Tensor) -> _Captured:
        static_items = items.clone()
        graph = torch.cuda.CUDAGraph()
        if self.generator.device.type == "cuda":
            if not hasattr(graph, "register_generator_state"):
                raise ReactBenchError(f"{self.name}: cuda-graphs needs graph-safe generators (torch >= 2.5; this is "
                                      f"{torch.__version__})")
            graph.register_generator_state(self.generator)
        # optimiser state created inside a capture would be zeroed again by every replay
        states = [len(opt.state) for opt in self.optimizers]
        try:
            with torch.cuda.device(self.device), torch.cuda.graph(graph):
                out = body(static_items)
        except RuntimeError as err:
            # a step that raised inside the capture: torch's exit then raises "invalidated capture",
            # with the step's own error as its context
            cause = err.__context__ or err
            if isinstance(cause, torch.cuda.OutOfMemoryError) or isinstance(err, torch.cuda.OutOfMemoryError):
                raise                           # memory, not capturability
            raise ReactBenchError(
                f"{self.name}: its training step cannot be captured as a CUDA graph "
                f"({type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}); train with "
                "--compile off or reduce-overhead (the last epoch's checkpoint can be resumed)") from err
        if [len(opt.state) for opt in self.optimizers] != states:
            raise ReactBenchError(f"{self.name}: an optimiser created its state inside a CUDA-graph capture "
                                  "(its first step must come in the eager warm-up)")
        self.captures += 1
        log.info("%s: captured training-step graph %d (learning rates %s)", self.name, self.captures, self.rates)
        return _Captured(graph, static_items, out)

"""The one training core every trained method uses (REGNN and the baselines).

A method supplies its network, a loss step and the state that its loss carries between epochs;
the core does the rest, the same way for everyone:

- seeding: one torch.Generator seeded with the run's seed draws the batch order (and whatever the
  step draws from it); torch's global RNG is seeded too (dropout);
- the optimiser of a ``Schedule`` (``adam``: Adam with coupled L2 weight decay, as REGNN's official
  code; ``adamw``: decoupled weight decay, as the REACT challenge baselines) and its step LR schedule;
- epochs of ``steps_per_epoch`` steps over a fresh permutation of the training items, with progress
  bars (loss, ETA) through ``progress(label, done, total, info)``;
- a checkpoint every epoch (model, optimiser, RNG states, the method's state, history, and the
  architecture config it must match), written atomically; ``resume=True`` continues from it, and a
  resumed run ends bit-identical on the CPU;
- ``losses.json`` every epoch and ``training_curve.png`` at the end;
- ``torch.load(weights_only=True)`` for everything it reads;
- opt-in speed for GPUs, where the originals' many small steps are bound by kernel launches
  (docs/baselines.md), through the environment variable ``REACT_BENCH_COMPILE`` or ``react-bench
  run --compile MODE``: a ``torch.compile`` mode compiles a step's networks (``compiled``);
  ``cuda-graphs`` captures whole steps as CUDA graphs and replays them (``step_graphs``). Off by
  default: eager steps are the ones whose bytes the tests pin.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Hashable

import torch

from ..errors import ReactBenchError
from .config import STEP_GRAPHS, compile_mode
from .step_graphs import StepGraphs, set_capturable
from .config import OPTIMIZERS as CONFIG_OPTIMIZERS

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.pt"
PROGRESS_EVERY = 10             # read the running loss every k steps (a GPU sync)
StepFn = Callable[[torch.Tensor, dict[str, Any], torch.Generator], tuple[torch.Tensor, dict[str, torch.Tensor]]]
BeforeStep = Callable[[dict[str, Any]], Hashable]
EpochEnd = Callable[[int, dict[str, float], dict[str, Any]], None]
EpochCallback = Callable[[int, dict[str, Any]], None]


OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
assert tuple(OPTIMIZERS) == CONFIG_OPTIMIZERS       # the names the torch-free configs check


def compiled(fn: Any) -> Any:
    """``fn`` (a network, or a function of tensors only) through ``torch.compile`` in the mode that
    ``REACT_BENCH_COMPILE`` names, else ``fn`` itself. Methods wrap the networks their training step
    calls, not the step: a step reads Python state (REGNN's tau, a GAN's step counter) on which a
    compiled step would recompile. The wrapper shares the network's parameters; checkpoints, saving
    and ``predict`` use the network itself. Compiled steps are not bit-identical to eager ones
    (fused kernels; dropout draws its own random numbers). ``cuda-graphs`` compiles nothing: it
    captures whole steps in ``train_loop``."""
    mode = compile_mode()
    return fn if mode is None or mode == STEP_GRAPHS else torch.compile(fn, mode=mode)


class ResumeError(ReactBenchError):
    """A checkpoint in the run directory does not belong to this configuration, or is unreadable."""


def read_checkpoint(path: Path) -> dict[str, Any]:
    """A training checkpoint (tensors only, on the CPU); ResumeError if it is truncated, empty, not a
    torch file, or lacks the core's entries."""
    from .persistence import load_tensors

    try:
        ckpt = load_tensors(path)
        json.loads(ckpt["config"])
    except (ReactBenchError, KeyError, TypeError, ValueError) as error:
        raise ResumeError(f"checkpoint {path} is corrupt or unreadable ({str(error).splitlines()[0][:200]}); "
                          "move it away to train that stage from its start") from None
    return ckpt


@dataclass(frozen=True)
class Schedule:
    epochs: int
    steps_per_epoch: int
    batch_size: int
    lr: float
    weight_decay: float = 0.0
    lr_milestones: tuple[int, ...] = ()
    lr_gamma: float = 0.1
    optimizer: str = "adam"            # adam (coupled L2 weight decay) | adamw (decoupled)

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ReactBenchError(f"optimizer {self.optimizer!r}; expected one of {sorted(OPTIMIZERS)}")

    def make_optimizer(self, parameters: Any) -> torch.optim.Optimizer:
        return OPTIMIZERS[self.optimizer](parameters, lr=self.lr, weight_decay=self.weight_decay)

    def lr_at(self, epoch: int) -> float:
        return self.lr * self.lr_gamma ** sum(epoch >= m for m in self.lr_milestones)

    def steps(self, n_items: int) -> int:
        return min(self.steps_per_epoch, math.ceil(n_items / self.batch_size))


def clip_seed(seed: int, clip: int) -> int:
    """Noise seed of one clip at inference: a clip's samples do not depend on how clips are batched."""
    return (int(seed) * 1_000_003 + int(clip)) % (2 ** 63)


def fit_setup(name: str, config: Any, seed: int, device: str | torch.device, run_dir: Path | str | None,
              resume: bool | None = None) -> tuple[Path, torch.device, bool]:
    """The start every ``fit()`` shares: a run folder is required (checkpoints go there), the seed
    is recorded in the config, the device is checked, and ``resume`` defaults to the config's.
    Returns (run_dir, device, resume)."""
    from .device import resolve_device

    if run_dir is None:
        raise ReactBenchError(f"{name}.fit needs a run_dir for its checkpoints")
    config.seed = int(seed)
    return Path(run_dir), resolve_device(device), bool(config.resume if resume is None else resume)


def save_atomic(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def rng_state(generator: torch.Generator, device: torch.device) -> dict[str, Any]:
    state = {"torch_cpu": torch.get_rng_state(), "generator": generator.get_state()}
    if device.type == "cuda":
        state["torch_cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict[str, Any], generator: torch.Generator, device: torch.device) -> None:
    torch.set_rng_state(state["torch_cpu"])
    generator.set_state(state["generator"])
    if device.type == "cuda" and "torch_cuda" in state:
        torch.cuda.set_rng_state(state["torch_cuda"], device)


def train_loop(model: torch.nn.Module, schedule: Schedule, n_items: int, step: StepFn, *, seed: int,
               device: torch.device, run_dir: Path, architecture: dict[str, Any], loss_keys: tuple[str, ...],
               name: str, resume: bool = False, state: dict[str, Any] | None = None,
               epoch_end: EpochEnd | None = None, on_epoch_end: EpochCallback | None = None,
               progress: Callable[..., None] | None = None,
               parameters: Any = None, extras: dict[str, Any] | None = None,
               before_step: BeforeStep | None = None, graphable: bool = True) -> list[dict[str, Any]]:
    """Train ``model`` in place over ``n_items`` training items; returns the per-epoch history.

    ``step(items, state, generator)`` returns the loss to minimise and the detached scalar terms
    named in ``loss_keys`` (the first is the loss itself). ``epoch_end(epoch, means, state)`` may
    update ``state`` (e.g. REGNN's τ) after each epoch; the state is checkpointed. ``architecture``
    is what a checkpoint must match to be resumed. ``parameters`` (default: all of the model's)
    are what the core's optimiser updates; ``extras`` are further objects with ``state_dict`` /
    ``load_state_dict`` that the step updates itself (e.g. a GAN discriminator's optimizer),
    checkpointed and restored with the rest.

    ``before_step(state)`` runs before every step and returns the key of the step's variant: a step
    whose work depends on Python state (a GAN's D-update turn) reads it from what ``before_step``
    set, so that ``cuda-graphs`` (``step_graphs``) can capture one graph per variant and replay it
    without running the step's Python. ``graphable=False``: the step reads the GPU from the host
    and cannot be captured; under ``cuda-graphs`` it runs eagerly."""
    run_dir.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    torch.manual_seed(seed)                          # dropout
    optimizer = schedule.make_optimizer(model.parameters() if parameters is None else parameters)
    state = dict(state or {})
    history: list[dict[str, Any]] = []
    start_epoch = 0
    ckpt_path = run_dir / CHECKPOINT
    if resume and ckpt_path.exists():
        # On the CPU: RNG states must stay CPU byte tensors; load_state_dict moves the rest.
        ckpt = read_checkpoint(ckpt_path)
        saved = json.loads(ckpt["config"])
        if saved != architecture:
            diff = sorted(k for k in set(saved) | set(architecture) if saved.get(k) != architecture.get(k))
            raise ResumeError(f"{ckpt_path} was written with a different {name} config (differs in {diff})")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        set_rng_state(ckpt["rng"], generator, device)
        for key, obj in (extras or {}).items():
            obj.load_state_dict(ckpt["extras"][key])
        state = dict(ckpt["state"]) if "state" in ckpt else {"tau": ckpt.get("tau")}
        history, start_epoch = list(ckpt["history"]), int(ckpt["epoch"]) + 1
        log.info("%s: resumed from %s after epoch %d", name, ckpt_path, start_epoch - 1)

    steps = schedule.steps(n_items)
    mode = compile_mode(device)
    compiling = mode is not None and mode != STEP_GRAPHS
    optimizers = [optimizer] + [o for o in (extras or {}).values() if isinstance(o, torch.optim.Optimizer)]
    graphs = None
    if mode == STEP_GRAPHS and graphable:
        graphs = StepGraphs(name, device, generator, schedule.batch_size, optimizers)
    else:
        if mode == STEP_GRAPHS:
            log.info("%s: its step reads the GPU from the host; it runs eagerly under %s", name, STEP_GRAPHS)
        set_capturable(optimizers, False, device)      # a checkpoint written under cuda-graphs

    def one_step(items: torch.Tensor) -> torch.Tensor:
        """One training step: the method's step, the update, the stacked loss terms. (Its name is
        what dispatch_count looks for to tell a step's host reads from the loop's.)"""
        loss, terms = step(items, state, generator)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return torch.stack([loss.detach()] + [terms[k] for k in loss_keys[1:]])

    model.train()
    if progress is not None:
        progress(f"{name} epochs", start_epoch, schedule.epochs, "")
    for epoch in range(start_epoch, schedule.epochs):
        t0 = time.perf_counter()
        lr = schedule.lr_at(epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
        perm = torch.randperm(n_items, generator=generator, device=device)
        sums = torch.zeros(len(loss_keys), device=device)
        replayed = 0 if graphs is None else graphs.replayed
        for i in range(steps):
            items = perm[i * schedule.batch_size:(i + 1) * schedule.batch_size]
            if compiling:                # CUDA graph trees: a new training iteration starts here
                torch.compiler.cudagraph_mark_step_begin()
            key = None if before_step is None else before_step(state)
            sums += one_step(items) if graphs is None else graphs.run(one_step, items, key)
            if progress is not None and ((i + 1) % PROGRESS_EVERY == 0 or i + 1 == steps):
                progress(f"{name} steps", i + 1, steps, f"loss {float(sums[0]) / (i + 1):.5f}")
        means = dict(zip(loss_keys, (sums / steps).tolist()))
        if not all(math.isfinite(v) for v in means.values()):
            raise ReactBenchError(f"{name} training diverged in epoch {epoch} (mean losses {means})")
        record = {"epoch": epoch, **means, **{k: v for k, v in state.items()}, "lr": lr, "steps": steps,
                  "items": n_items, "batch_size": schedule.batch_size,
                  "pass_steps": math.ceil(n_items / schedule.batch_size), "seconds": time.perf_counter() - t0}
        if graphs is not None:
            record["replayed_steps"] = graphs.replayed - replayed
        history.append(record)
        if epoch_end is not None:
            epoch_end(epoch, means, state)
        save_atomic({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                     "rng": rng_state(generator, device), "state": state, "epoch": epoch, "history": history,
                     "config": json.dumps(architecture),
                     "extras": {k: obj.state_dict() for k, obj in (extras or {}).items()}}, ckpt_path)
        write_history(history, run_dir, loss_keys, name)
        log.info("%s epoch %d: %s lr %.1e", name, epoch, " ".join(f"{k} {v:.5f}" for k, v in means.items()), lr)
        if progress is not None:
            progress(f"{name} epochs", epoch + 1, schedule.epochs, f"loss {means[loss_keys[0]]:.5f}")
        if on_epoch_end is not None:
            on_epoch_end(epoch, record)
    write_history(history, run_dir, loss_keys, name, plot=True)
    model.eval()
    return history


def write_history(history: list[dict[str, Any]], run_dir: Path, loss_keys: tuple[str, ...] = ("loss",),
                  name: str = "", plot: bool = False) -> None:
    (run_dir / "losses.json").write_text(json.dumps(history, indent=1))
    if plot and history:                     # the PNG only at the end (matplotlib costs ~0.5 s)
        plot_history(history, run_dir / "training_curve.png", loss_keys, name)


def plot_history(history: list[dict[str, Any]], path: Path, loss_keys: tuple[str, ...] = ("loss",),
                 name: str = "") -> None:
    """PNG training curve; the Agg canvas is used directly, so pyplot's global backend is untouched."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    epochs = [h["epoch"] for h in history]
    for key, style in zip(loss_keys, ("-", "--", ":", "-.", "-", "--")):
        ax.plot(epochs, [h[key] for h in history], style, label=key)
    if "tau" in history[0]:
        taus = [(h["epoch"], h["tau"]) for h in history if h.get("tau") is not None]
        if taus:
            ax.plot(*zip(*taus), "k-.", lw=0.8, label="tau")
    ax.set_xlabel("epoch")
    ax.xaxis.get_major_locator().set_params(integer=True)     # no 0.5 epochs on short runs
    ax.set_ylabel("loss")
    positive = all(h[k] > 0 for h in history for k in loss_keys)
    ax.set_yscale("log" if positive else "linear")
    ax.legend(fontsize=8)
    ax.set_title(f"{name} training".strip())
    fig.tight_layout()
    fig.savefig(path)

"""What a training step would cost a GPU, counted on the CPU: the operators it dispatches (each one
kernel launch or more on CUDA) and its host reads (a CUDA sync each, and what a CUDA graph cannot
capture). Used by ``benchmarks/bench_baselines.py --kernels`` (launch budgets) and by the tests that
check every graphable method's step reads nothing back (``step_graphs``).

A diagnostic, not a hot path: it runs the step under a ``TorchDispatchMode``.

How the CPU count differs from CUDA's: CUDA fuses dropout (one kernel there, three here), attention
with dropout (flash attention there, the math path here) and ``nn.GRU``/``nn.LSTM`` (cuDNN's few
kernels a layer there, per-time-step operators here; ``nn.GRUCell``/``nn.LSTMCell`` run per time
step on both, a fused cell of about three kernels there against about ten here), while some
operators launch several kernels there (multi-tensor foreach chunks, split-K matmuls). The operators
inside recurrent modules' forwards are counted apart (``rnn_kernels``; their backwards cannot be told
apart and stay in ``kernels``).
"""

from __future__ import annotations

import collections
import traceback
from pathlib import Path
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

_aten = torch.ops.aten
# allocations and views launch nothing
FREE = {_aten.empty, _aten.empty_strided, _aten.empty_like, _aten._unsafe_view, _aten.scalar_tensor}
# operators whose output size depends on the data: a GPU must report it back to the host
# (repeat_interleave with tensor repeats; with an int it dispatches expand and clone)
DATA_SIZED = {_aten.nonzero, _aten.masked_select, _aten.unique_dim, _aten._unique, _aten._unique2,
              _aten.unique_consecutive, _aten.repeat_interleave}
# indexing with a boolean mask calls nonzero inside the kernel, out of this mode's sight
MASK_INDEXED = {_aten.index, _aten.index_put, _aten.index_put_, _aten._index_put_impl_}
STEP_FRAME = ("training.py", "one_step")     # the core's training step: train_loop's one_step
# Tensor methods that read data on the host without dispatching (on a CPU tensor ``.cpu()`` returns
# it as is): wrapped while the mode is active, so that they count as reads too
UNDISPATCHED_READS = ("tolist", "numpy", "cpu")


def _has_mask(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return value.dtype in (torch.bool, torch.uint8)
    if isinstance(value, (list, tuple)):
        return any(_has_mask(v) for v in value)
    return False


def is_host_read(func: Any, args: tuple) -> bool:
    """Does this dispatched operator read the GPU from the host (``.item()``, ``bool(t)``, a
    data-sized output, boolean-mask indexing)?"""
    if func is _aten._local_scalar_dense.default or func.overloadpacket in DATA_SIZED:
        return True
    return func.overloadpacket in MASK_INDEXED and len(args) > 1 and _has_mask(args[1])


class DispatchCount(TorchDispatchMode):
    """Counts, while active: ``kernels`` (operators that reach a kernel), ``rnn_kernels`` (those
    inside recurrent modules' forwards), ``syncs`` (host reads outside the optimisers, whose step
    counts stay on the CPU on a GPU too) by the calling source line in ``where``, and ``step_reads``:
    the host reads made inside the core's training step (``one_step``: the method's step, backward,
    the optimisers' updates), by source line; a step with any cannot be captured as a CUDA graph.
    Reads are the dispatched ones (``is_host_read``) and ``UNDISPATCHED_READS``; a copy from the
    host to the GPU stays invisible on the CPU."""

    def __init__(self) -> None:
        super().__init__()
        self.kernels = 0
        self.rnn_kernels = 0
        self.syncs = 0
        self.where: collections.Counter = collections.Counter()
        self.step_reads: collections.Counter = collections.Counter()
        self._depth = 0
        self._hooks: list = []
        self._saved: dict[str, Any] = {}

    def __enter__(self) -> "DispatchCount":
        recurrent = (torch.nn.RNNBase, torch.nn.RNNCellBase)

        def enter(module, args):
            self._depth += isinstance(module, recurrent)

        def leave(module, args, out):
            self._depth -= isinstance(module, recurrent)

        self._hooks = [torch.nn.modules.module.register_module_forward_pre_hook(enter),
                       torch.nn.modules.module.register_module_forward_hook(leave)]
        for name in UNDISPATCHED_READS:
            self._saved[name] = torch.Tensor.__dict__.get(name)
            setattr(torch.Tensor, name, self._reading(getattr(torch.Tensor, name)))
        return super().__enter__()

    def __exit__(self, *exc: Any) -> Any:
        for hook in self._hooks:
            hook.remove()
        for name, method in self._saved.items():     # back to torch's own (inherited or defined)
            if method is None:
                delattr(torch.Tensor, name)
            else:
                setattr(torch.Tensor, name, method)
        self._saved.clear()
        return super().__exit__(*exc)

    def _reading(self, method: Any) -> Any:
        def read(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            self._host_read(traceback.extract_stack()[:-1])
            return method(tensor, *args, **kwargs)
        return read

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        scalar = func is _aten._local_scalar_dense.default
        if is_host_read(func, args):
            self._host_read(traceback.extract_stack()[:-1])
        if not scalar and not func.is_view and func.overloadpacket not in FREE and func.namespace != "profiler":
            self.kernels += 1
            self.rnn_kernels += self._depth > 0
        return func(*args, **(kwargs or {}))

    def _host_read(self, stack: traceback.StackSummary) -> None:
        if any({"torch", "optim"} <= set(Path(f.filename).parts) for f in stack):
            return                          # Adam's step count: on the CPU on a GPU too
        own = [f for f in stack if "torch" not in Path(f.filename).parts]
        site = f"{Path(own[-1].filename).name}:{own[-1].lineno}" if own else "?"
        self.syncs += 1
        self.where[site] += 1
        if any((Path(f.filename).name, f.name) == STEP_FRAME for f in stack):
            self.step_reads[site] += 1

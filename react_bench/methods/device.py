"""Torch device and CPU-thread helpers the trained methods share."""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch

from ..errors import ReactBenchError


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Temporarily use ``n`` torch CPU threads (None: leave the setting alone)."""
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def resolve_device(device: str | torch.device) -> torch.device:
    """``device`` as a torch.device; a CUDA device without CUDA raises ReactBenchError."""
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ReactBenchError(f"device {device!r} requested but CUDA is not available")
    return dev

"""Torch device and CPU-thread helpers the trained methods share."""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch

from ..devices import device_name


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
    """``device`` as a torch.device, checked by the one resolver (``devices.device_name``: "auto"
    allowed; a CUDA device without CUDA raises DataError)."""
    return torch.device(device_name(str(device)))

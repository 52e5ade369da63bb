"""The one device resolver: "auto" | "cpu" | "cuda" | "cuda:N" -> the device to use, checked
before any work (so a bad device leaves nothing behind). torch is imported only when a CUDA
question must be answered, so the CLI and the metrics can call it cheaply."""

from __future__ import annotations

from .errors import DataError, ReactBenchError

DEVICES = ("auto", "cpu", "cuda")


def device_name(device: str, error: type[ReactBenchError] = DataError) -> str:
    """'auto' -> 'cuda' if present else 'cpu'; 'cuda' / 'cuda:N' only where CUDA (and that GPU)
    exists; anything else raises ``error`` with the accepted values."""
    device = str(device)
    if device == "cpu":
        return device
    if device not in ("auto", "cuda") and not (device.startswith("cuda:") and device[5:].isdigit()):
        raise error(f"unknown device {device!r}; use one of: {', '.join(DEVICES)} (or cuda:N)")
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise error(f"--device {device}: CUDA is not available on this machine; use --device cpu or auto")
    index = int(device[5:]) if ":" in device else 0
    if index >= torch.cuda.device_count():
        raise error(f"--device {device}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return device

"""Clip <-> window conversion shared by the trained methods (official REGNN: 50-frame windows at stride 25, 29 per 750-frame clip)."""

from __future__ import annotations

import torch


def window_starts(n_frames: int, window: int, stride: int) -> torch.Tensor:
    """Start frame of every window: range(0, n_frames - window + 1, stride)."""
    return torch.arange(0, n_frames - window + 1, stride, dtype=torch.long)


def to_windows(x: torch.Tensor, window: int, stride: int) -> torch.Tensor:
    """(S, F_total, C) -> (S, W, window, C) views of consecutive windows (no copy)."""
    return x.unfold(1, window, stride).transpose(-1, -2)


def gather_windows(x: torch.Tensor, rows: torch.Tensor, starts: torch.Tensor, window: int) -> torch.Tensor:
    """Window ``starts[b]`` of clip ``rows[b]`` for every b: (S, F, C) -> (B, window, C)."""
    frames = starts[:, None] + torch.arange(window, device=x.device)[None, :]
    return x[rows[:, None], frames]


def overlap_average(windows: torch.Tensor, n_frames: int, stride: int) -> torch.Tensor:
    """(..., W, window, C) -> (..., n_frames, C): each frame is the mean of the windows covering it.

    With stride = window / 2 this is the official ``combine_preds``: the first half of window 0,
    then the mean of the overlapping halves of windows i-1 and i, then the second half of the
    last window.
    """
    *lead, n_win, window, channels = windows.shape
    starts = torch.arange(n_win, device=windows.device) * stride
    frames = (starts[:, None] + torch.arange(window, device=windows.device)[None, :]).reshape(-1)
    if int(frames.max()) != n_frames - 1:
        raise ValueError(f"{n_win} windows of {window} at stride {stride} do not end at frame {n_frames - 1}")
    flat = windows.reshape(*lead, n_win * window, channels)
    out = torch.zeros(*lead, n_frames, channels, dtype=windows.dtype, device=windows.device)
    out.index_add_(len(lead), frames, flat)
    counts = torch.zeros(n_frames, dtype=windows.dtype, device=windows.device)
    counts.index_add_(0, frames, torch.ones_like(frames, dtype=windows.dtype))
    if bool((counts == 0).any()):
        raise ValueError("windows leave some frames uncovered")
    return out / counts[:, None]

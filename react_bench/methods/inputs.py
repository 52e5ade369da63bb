"""Speaker inputs every trained method assembles the same way: the speaker's video and audio
features and, where the original used them, the speaker's 25 attributes, frame-aligned, as one
float32 tensor on the training device, standardised with statistics of the train split
(``channel_stats``) that a network keeps in its weights (``Standardised``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..constants import N_FRAMES
from ..data.split import SplitData
from ..errors import DataError


@dataclass(frozen=True)
class InputSpec:
    video: bool = True
    audio: bool = True
    attributes: bool = True

    def width(self, split: SplitData) -> int:
        return (split.video.shape[-1] if self.video else 0) + (split.audio.shape[-1] if self.audio else 0) + \
            (split.speaker.shape[-1] if self.attributes else 0)


def speaker_inputs(split: SplitData, spec: InputSpec, device: torch.device | str = "cpu",
                   rows: np.ndarray | slice = slice(None)) -> torch.Tensor:
    """(S, 750, C) float32: [video | audio | speaker attributes] of the directions ``rows``."""
    parts = []
    for use, array in ((spec.video, split.video), (spec.audio, split.audio), (spec.attributes, split.speaker)):
        if use:
            block = np.asarray(array[rows], dtype=np.float32)[:, :N_FRAMES]
            if block.shape[1] != N_FRAMES:
                raise DataError(f"speaker inputs have {block.shape[1]} frames, expected {N_FRAMES}")
            parts.append(block)
    if not parts:
        raise DataError("no speaker input selected (video, audio and attributes all off)")
    return torch.from_numpy(np.concatenate(parts, axis=-1)).to(device)


def listener_targets(split: SplitData, device: torch.device | str = "cpu",
                     rows: np.ndarray | slice = slice(None)) -> torch.Tensor:
    """(S, 750, 25) float32 real listener reactions."""
    return torch.from_numpy(np.asarray(split.listener[rows], dtype=np.float32)[:, :N_FRAMES].copy()).to(device)


def channel_stats(x: torch.Tensor, floor: float = 1e-3) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and std over directions and frames (float64 sums), std floored."""
    flat = x.reshape(-1, x.shape[-1]).double()
    return flat.mean(0).float(), flat.std(0).clamp_min(floor).float()


class Standardised(nn.Module):
    """Per-channel standardisation with train-split statistics, kept as the buffers ``mean`` and
    ``std`` so that they are saved and loaded with the weights. A network that standardises its own
    input derives from it (the buffers sit at its top level); alone, it is a module whose forward
    standardises (L2L's motion and speaker streams)."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(width))
        self.register_buffer("std", torch.ones(width))

    def fit_stats(self, x: torch.Tensor) -> None:
        """Set the statistics from (..., width) training data (``channel_stats``)."""
        self.mean, self.std = channel_stats(x)

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.std + self.mean

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.normalise(x)

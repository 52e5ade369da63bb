"""In-memory form of one evaluation split, in the official mirrored direction order."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SplitData:
    """One split, S = 2L mirrored directions.

    Direction k < L is CSV row k read speaker=column 1, listener=column 2; direction k >= L is
    row k-L read the other way round (react_metrics.md §1).
    """

    name: str
    speaker_paths: list[str]          # (S,) the speaker of each direction
    listener_paths: list[str]         # (S,) the real listener of each direction
    speaker: np.ndarray               # (S, 750, 25) float32 speaker attributes
    listener: np.ndarray              # (S, 750, 25) float32 real listener reaction
    video: np.ndarray                 # (S, 750, Dv) float32 speaker video features
    audio: np.ndarray                 # (S, 750, Da) float32 speaker audio features
    appropriate: np.ndarray | None    # (S, S) uint8, row k = directions j whose listener suits speaker k
    fingerprint: str = ""             # content fingerprint of the dataset the split came from
    meta: dict = field(default_factory=dict)

    @property
    def n_directions(self) -> int:
        return len(self.speaker_paths)

    @property
    def n_pairs(self) -> int:
        return self.n_directions // 2

    @property
    def direction_ids(self) -> list[str]:
        """Stable id of each direction: the speaker's path (unique per direction)."""
        return list(self.speaker_paths)

    @classmethod
    def from_arrays(cls, name: str, speaker: np.ndarray, listener: np.ndarray, *,
                    video: np.ndarray | None = None, audio: np.ndarray | None = None,
                    appropriate: np.ndarray | None = None, speaker_paths: list[str] | None = None,
                    listener_paths: list[str] | None = None) -> "SplitData":
        """A split over in-memory arrays (diagnostics, tests, benchmarks): float32 copies where
        needed; missing features are (S, F, 0); missing paths are "<name>/s<k>" and "<name>/l<k>"."""
        speaker = np.asarray(speaker, np.float32)
        listener = np.asarray(listener, np.float32)
        s, frames = speaker.shape[:2]
        if listener.shape[:2] != (s, frames):
            raise ValueError(f"listener shape {listener.shape} does not match speaker shape {speaker.shape}")
        empty = np.zeros((s, frames, 0), np.float32)
        return cls(name,
                   list(speaker_paths) if speaker_paths is not None else [f"{name}/s{k}" for k in range(s)],
                   list(listener_paths) if listener_paths is not None else [f"{name}/l{k}" for k in range(s)],
                   speaker, listener,
                   empty if video is None else np.asarray(video, np.float32),
                   empty if audio is None else np.asarray(audio, np.float32),
                   appropriate)

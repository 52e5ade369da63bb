"""The online track: a method that reacts while the speaker is still talking.

Contract (docs/baselines.md, "Online track"). An online method declares ``online = True``, its
chunk length ``window`` (frames it emits per step) and may declare ``lookahead`` (speaker frames
past the chunk's end it wants to see; default 0), and implements

- ``start(n_samples, seed)``: a new prediction run (reset any state);
- ``step(clips, features, attributes, past) -> chunk``: the next chunk of every clip in a batch.
  ``clips`` (B,) are the clips' direction indices in the split (for per-clip seeding);
  ``features`` = {"video": (B, T, Dv), "audio": (B, T, Da)} and ``attributes`` (B, T, 25) are the
  speaker's frames so far; ``past`` (B, n_samples, t0, 25) is the method's own output for frames
  [0, t0), as the driver recorded it; ``chunk`` is (B, n_samples, >= w', 25) for frames
  [t0, t0 + w'), w' = min(window, 750 - t0) (frames past the clip's end are dropped).

The driver, ``predict_online``, walks every clip chunk by chunk (t0 = 0, w, 2w, ...; the last
chunk may be shorter: all 750 frames are covered) and gives the method copies of the speaker's
frames [0, min(t0 + w + lookahead, 750)) only: what frame t's prediction can depend on ends at the
end of t's chunk plus the look-ahead, by construction. A method's steps for one batch of clips
come in order, starting at t0 = 0; it may keep state between them. With w = 1 and look-ahead 0 the
track is strictly frame-causal; with w > 1 it is chunk-causal (the REACT baselines' convention).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..constants import N_ATTRS, N_FRAMES
from ..data.split import SplitData
from ..errors import ReactBenchError

DEFAULT_BATCH_CLIPS = 16


@dataclass(frozen=True)
class OnlineSpec:
    window: int
    lookahead: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"window": self.window, "lookahead": self.lookahead}


def is_online(method: Any) -> bool:
    return getattr(method, "online", False) is True


def online_spec(method: Any, lookahead: int | None = None) -> OnlineSpec:
    """The method's window and the look-ahead it runs with (``lookahead`` overrides its own)."""
    window = int(getattr(method, "window", 0) or 0)
    k = int(getattr(method, "lookahead", 0) if lookahead is None else lookahead)
    if window < 1 or k < 0:
        raise ReactBenchError(f"online method {getattr(method, 'name', method)!r}: window must be >= 1 and "
                              f"lookahead >= 0 (got window={window}, lookahead={k})")
    return OnlineSpec(window, k)


def predict_online(method: Any, split: SplitData, *, n_samples: int, seed: int, lookahead: int | None = None,
                   batch_clips: int | None = None) -> np.ndarray:
    """(S, n_samples, 750, 25) float32 predictions of an online method, made chunk by chunk."""
    if not is_online(method):
        raise ReactBenchError(f"{getattr(method, 'name', method)!r} is not an online method (online = True)")
    spec = online_spec(method, lookahead)
    batch = int(batch_clips or getattr(method, "online_batch_clips", None) or DEFAULT_BATCH_CLIPS)
    s = split.n_directions
    out = np.zeros((s, n_samples, N_FRAMES, N_ATTRS), np.float32)
    method.start(n_samples=n_samples, seed=seed)
    for c0 in range(0, s, batch):
        rows = slice(c0, min(c0 + batch, s))
        clips = np.arange(rows.start, rows.stop)
        for t0 in range(0, N_FRAMES, spec.window):
            t1 = min(t0 + spec.window, N_FRAMES)
            seen = min(t1 + spec.lookahead, N_FRAMES)
            features = {"video": np.array(split.video[rows, :seen], np.float32),
                        "audio": np.array(split.audio[rows, :seen], np.float32)}
            attributes = np.array(split.speaker[rows, :seen], np.float32)
            chunk = np.asarray(method.step(clips.copy(), features, attributes, out[rows, :, :t0].copy()))
            expected = (len(clips), n_samples, t1 - t0, N_ATTRS)
            if chunk.ndim != 4 or chunk.shape[:2] != expected[:2] or chunk.shape[2] < expected[2] \
                    or chunk.shape[3] != N_ATTRS:
                raise ReactBenchError(f"{getattr(method, 'name', method)}.step returned {chunk.shape} for frames "
                                      f"[{t0}, {t1}); expected (B, n_samples, >= {t1 - t0}, {N_ATTRS}) = {expected}")
            out[rows, :, t0:t1] = chunk[:, :, :t1 - t0]
    return out

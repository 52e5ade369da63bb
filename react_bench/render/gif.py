"""Side-by-side animated GIF of a speaker and generated reactions (Pillow only)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..constants import FPS, N_ATTRS
from .face import DEFAULT_SIZE, render_faces

_HEADER = 16      # label strip above each panel, pixels
_FOOTER = 12      # time strip under the panels
_GAP = 4          # pixels between panels
_STRIP_BG = (30, 30, 30)
_STRIP_FG = (235, 235, 235)


def render_comparison_gif(
    speaker: np.ndarray,
    reactions: np.ndarray,
    out_path: str | Path,
    fps: int = FPS,
    frame_step: int = 1,
    max_reactions: int = 4,
    labels: Sequence[str] | None = None,
    *,
    size: int = DEFAULT_SIZE,
    supersample: int = 2,
) -> Path:
    """Write an animated GIF: the speaker's face, then up to ``max_reactions`` reaction faces.

    speaker: (T, 25) attributes; reactions: (n, T, 25) (or (T, 25) for one reaction).
    Every ``frame_step``-th frame is drawn and played at ``fps / frame_step`` frames per second, so
    the GIF runs in real time. ``labels`` names every panel, speaker first
    (default ``["speaker", "reaction 1", ...]``). Each frame carries its time stamp in a footer, so
    consecutive frames always differ and the GIF has exactly ``ceil(T / frame_step)`` frames.
    Returns the path written.
    """
    speaker = np.asarray(speaker, dtype=np.float64)
    reactions = np.asarray(reactions, dtype=np.float64)
    if reactions.ndim == 2:
        reactions = reactions[None]
    if speaker.ndim != 2 or speaker.shape[1] != N_ATTRS:
        raise ValueError(f"speaker must be (T, {N_ATTRS}), got {speaker.shape}")
    if reactions.ndim != 3 or reactions.shape[2] != N_ATTRS:
        raise ValueError(f"reactions must be (n, T, {N_ATTRS}), got {reactions.shape}")
    if reactions.shape[1] != speaker.shape[0]:
        raise ValueError(f"speaker has {speaker.shape[0]} frames but reactions have {reactions.shape[1]}")
    if frame_step < 1 or fps <= 0 or max_reactions < 1:
        raise ValueError("frame_step and max_reactions must be >= 1 and fps > 0")

    shown = reactions[:max_reactions]
    n_panels = 1 + shown.shape[0]
    if labels is None:
        labels = ["speaker"] + [f"reaction {i + 1}" for i in range(shown.shape[0])]
    labels = [str(x) for x in labels]
    if len(labels) != n_panels:
        raise ValueError(f"labels must name all {n_panels} panels (speaker first), got {len(labels)}")

    frames = np.arange(0, speaker.shape[0], frame_step)
    # (panels, F, H, W, 3): render each panel's frames as one batch
    panels = [render_faces(speaker[frames], size=size, supersample=supersample)]
    panels += [render_faces(r[frames], size=size, supersample=supersample) for r in shown]

    width = n_panels * size + (n_panels - 1) * _GAP
    height = _HEADER + size + _FOOTER
    canvas = Image.new("RGB", (width, height), _STRIP_BG)
    font = ImageFont.load_default()
    draw = ImageDraw.Draw(canvas)
    for p, label in enumerate(labels):
        draw.text((p * (size + _GAP) + 3, 2), _fit(label, max(4, size // 6)), fill=_STRIP_FG, font=font)
    base = np.asarray(canvas).copy()

    images = []
    for j, f in enumerate(frames):
        arr = base.copy()
        for p in range(n_panels):
            x0 = p * (size + _GAP)
            arr[_HEADER:_HEADER + size, x0:x0 + size] = panels[p][j]
        img = Image.fromarray(arr)
        ImageDraw.Draw(img).text((3, _HEADER + size), f"frame {f}  t={f / fps:5.2f}s",
                                 fill=_STRIP_FG, font=font)
        images.append(img)

    # One shared palette (adaptive, from a spread of frames) keeps colours stable and encoding fast.
    pick = images[:: max(1, len(images) // 8)][:8]
    sample = Image.new("RGB", (width, height * len(pick)))
    for i, im in enumerate(pick):
        sample.paste(im, (0, i * height))
    palette = sample.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    quantized = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    duration = max(20, int(round(1000.0 * frame_step / fps)))  # ms; GIF stores 10 ms units
    quantized[0].save(out_path, save_all=True, append_images=quantized[1:], duration=duration,
                      loop=0, optimize=False, disposal=1)
    return out_path


def _fit(label: str, width: int) -> str:
    """A label cut to `width` characters from the left ("..." + its end): a clip path differs from
    its neighbours' at the end (.../P2/3 against .../P2/4). ASCII: Pillow's bitmap default font is
    Latin-1 only."""
    return label if len(label) <= width else "..." + label[-(width - 3):]

"""The 25-attribute face renderer and the comparison GIF."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from react_bench.constants import ATTRIBUTE_NAMES, AU_NAMES, N_ATTRS
from react_bench.render import render_comparison_gif, render_face, render_faces

SIZE = 128
NEUTRAL = np.zeros(N_ATTRS)
NEUTRAL[ATTRIBUTE_NAMES.index("Neutral")] = 1.0

# Facial regions in face units (x right, y down; the image spans [-1, 1]); (y0, y1, x0, x1).
BROWS = (-0.62, -0.17, -0.7, 0.7)
EYES_CHEEKS = (-0.25, 0.45, -0.7, 0.7)
NOSE = (-0.15, 0.5, -0.3, 0.3)
MOUTH_JAW = (0.0, 1.0, -1.0, 1.0)
AU_REGION = {"AU1": BROWS, "AU2": BROWS, "AU4": BROWS, "AU6": EYES_CHEEKS, "AU7": EYES_CHEEKS,
             "AU9": NOSE, **{au: MOUTH_JAW for au in ("AU10", "AU12", "AU14", "AU15", "AU17", "AU23",
                                                      "AU24", "AU25", "AU26")}}


def _with(**values: float) -> np.ndarray:
    a = NEUTRAL.copy()
    for name, v in values.items():
        a[ATTRIBUTE_NAMES.index(name)] = v
    return a


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a != b, axis=-1)


def _fraction_inside(mask: np.ndarray, region: tuple[float, float, float, float]) -> float:
    y0, y1, x0, x1 = (int(round((c + 1.0) * SIZE / 2)) for c in region)
    return float(mask[y0:y1, x0:x1].sum() / max(mask.sum(), 1))


def test_shape_dtype_and_determinism():
    rng = np.random.default_rng(0)
    attrs = rng.random((6, N_ATTRS))
    attrs[:, 15:17] = attrs[:, 15:17] * 2 - 1
    a = render_faces(attrs)
    b = render_faces(attrs.copy())
    assert a.shape == (6, SIZE, SIZE, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert np.array_equal(render_face(attrs[3]), a[3])  # batch and single agree
    assert render_faces(attrs[:2], size=64).shape == (2, 64, 64, 3)
    assert render_faces(np.zeros((0, N_ATTRS))).shape == (0, SIZE, SIZE, 3)
    with pytest.raises(ValueError):
        render_faces(np.zeros((2, 24)))


def test_inputs_are_cleaned():
    dirty = _with(AU12=7.0, valence=-3.0, Happy=2.0)
    dirty[0] = np.nan
    dirty[5] = np.inf
    clean = _with(AU12=1.0, valence=-1.0, Happy=1.0)
    assert np.array_equal(render_face(dirty), render_face(clean))


@pytest.mark.parametrize("au", AU_NAMES)
def test_each_au_moves_its_region(au):
    off, on = render_faces(np.stack([NEUTRAL, _with(**{au: 1.0})]))
    mask = _changed(off, on)
    assert mask.sum() >= 30, f"{au} barely changes the face"
    assert _fraction_inside(mask, AU_REGION[au]) >= 0.95, f"{au} changes pixels outside its region"
    # continuous input: half intensity lies strictly between off and on
    half = render_face(_with(**{au: 0.5}))
    assert not np.array_equal(half, off) and not np.array_equal(half, on)


def test_brow_and_mouth_groups_do_not_touch_each_other():
    off = render_face(NEUTRAL)
    brows = _changed(off, render_face(_with(AU1=1, AU2=1, AU4=1)))
    mouth = _changed(off, render_face(_with(AU12=1, AU25=1, AU26=1, AU17=1)))
    assert _fraction_inside(brows, MOUTH_JAW) == 0.0
    assert _fraction_inside(mouth, BROWS) == 0.0


def test_valence_arousal_and_expressions_change_the_image():
    off = render_face(NEUTRAL)
    for name, value in (("valence", 1.0), ("valence", -1.0), ("arousal", 1.0), ("arousal", -1.0)):
        assert _changed(off, render_face(_with(**{name: value}))).sum() > 200, name
    # expression probabilities recolour the background (a corner pixel)
    corners = set()
    for e in ATTRIBUTE_NAMES[17:]:
        a = NEUTRAL.copy()
        a[17:] = 0.0
        a[ATTRIBUTE_NAMES.index(e)] = 1.0
        corners.add(render_face(a)[2, 2].tobytes())
    assert len(corners) == 8


def test_comparison_gif_frames_and_layout(tmp_path):
    t = 20
    rng = np.random.default_rng(1)
    speaker = rng.random((t, N_ATTRS))
    reactions = rng.random((6, t, N_ATTRS))
    out = render_comparison_gif(speaker, reactions, tmp_path / "sub" / "clip.gif", fps=25, frame_step=3,
                                max_reactions=2, labels=["speaker", "GT", "method"])
    with Image.open(out) as im:
        assert im.n_frames == math.ceil(t / 3)
        assert im.size[0] == 3 * SIZE + 2 * 4      # speaker + 2 reactions, 4 px gaps
        assert im.info["duration"] == 120          # 3 frames at 25 fps, real time
    with pytest.raises(ValueError):
        render_comparison_gif(speaker, reactions, tmp_path / "x.gif", max_reactions=2, labels=["a", "b"])
    with pytest.raises(ValueError):
        render_comparison_gif(speaker, reactions[:, :10], tmp_path / "x.gif")


def test_long_panel_labels_keep_their_end():
    """A clip path is cut from the left, so clips of one person stay told apart."""
    from react_bench.render.gif import _fit

    assert _fit("Synth/S003/P2/3", 21) == "Synth/S003/P2/3"
    cut = _fit("NoXI/065_2016-04-14_Nottingham/Expert_video/3", 21)
    assert len(cut) == 21 and cut.endswith("Expert_video/3") and cut.startswith("...")

"""Issue 10 §1, §2, §4: synthetic world v2 is a measuring instrument.

- a listener is locked to its own speaker through its style (partner share of the within-clip
  variance, measured on counterfactual reactions);
- the styles admissible in a context respond differently to one speaker, and their mean is a
  poorer reaction than any one of them;
- the counterfactual ground truth has the documented interface and the recorded listener is a
  draw of the same process as its own style's counterfactuals;
- the naive rows land near the REGNN paper's Table 1 (loosely, on the small profile).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from react_bench.data import synth, synth_world as sw
from react_bench.data import world_diagnostics as wd
from react_bench.data.reader import load_split
from react_bench.data.synth_io import emotion_csv_values


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.write_synthetic_dataset(tmp_path_factory.mktemp("smoke_v2") / "ds", "smoke",
                                         seed=0, video_dim=4, audio_dim=2)


@pytest.fixture(scope="module")
def small() -> dict:
    """The small profile's test split (24 pairs) in memory, as the files hold it, plus the
    train speakers (B_MeanSeq)."""
    d = synth.generate_arrays(24, seed=0, name="test", video_dim=1, audio_dim=1,
                              counterfactuals=True)
    train = synth.generate_arrays(96, seed=0, name="train", video_dim=1, audio_dim=1)
    d["speaker"] = emotion_csv_values(d["speaker"][:, :750])
    d["listener"] = emotion_csv_values(d["listener"][:, :750])
    d["train_speaker"] = emotion_csv_values(train["speaker"][:, :750])
    return d


@pytest.fixture(scope="module")
def figures(small: dict) -> dict:
    return wd.world_figures(small, "test", calibration=False, downsample=5)


# ------------------------------------------------------------------------------------------------
# §2 counterfactual ground truth: interface
# ------------------------------------------------------------------------------------------------

def test_counterfactual_files_have_the_documented_shapes_and_styles(smoke: Path) -> None:
    meta = json.loads((smoke / "dataset.json").read_text())
    assert meta["generator_version"] == sw.GENERATOR_VERSION == "2"
    for split, n_pairs in zip(("val", "test"), synth.PROFILES["smoke"][1:]):
        cf = np.load(smoke / "ground_truth" / f"counterfactual_{split}.npy")
        styles = np.load(smoke / "ground_truth" / f"counterfactual_styles_{split}.npy")
        s = 2 * n_pairs
        assert cf.shape == (s, synth.CF_K, 750, 25) and cf.dtype == np.float32
        assert styles.shape == (s, synth.CF_K) and styles.dtype == np.int64
        assert f"ground_truth/counterfactual_{split}.npy" in meta["files"]   # in the fingerprint
        assert set(np.unique(cf[..., :15])) <= {0.0, 1.0}
        real = cf[..., 15:].astype(np.float64)                                # 6 decimals:
        assert np.array_equal(cf[..., 15:], (np.rint(real * 1e6) / 1e6).astype(np.float32))
        assert np.allclose(cf[..., 17:].sum(-1), 1.0, atol=1e-5)
        with open(smoke / "ground_truth" / f"contexts_{split}.csv", newline="") as f:
            rows = {r["path"]: r for r in csv.DictReader(f)}
        assert {"path", "role", "context", "style"} <= set(next(iter(rows.values())))
        data = load_split(smoke, split, features=False)
        for k, path in enumerate(data.listener_paths):
            context, style = int(rows[path]["context"]), int(rows[path]["style"])
            expected = np.repeat(sw.ADMISSIBLE[context], synth.CF_DRAWS)    # slot * draws + draw
            assert np.array_equal(styles[k], expected)
            assert style in styles[k]


def test_counterfactuals_are_read_out_as_the_emotion_csvs(smoke: Path) -> None:
    """A counterfactual equals what a CSV would hold: the recorded listener re-driven with its
    recorded style, lag and noise reproduces the listener's CSV bit for bit, and the rounding
    helper equals the reader's parse of a written CSV."""
    split = synth.generate_split("test", synth.PROFILES["smoke"][2], 0, video_dim=4, audio_dim=2)
    data = load_split(smoke, "test", features=False)
    world = sw.build_world()
    attrs = np.concatenate([c[1] for c in synth.iter_chunks(split, world=world)])
    assert np.array_equal(emotion_csv_values(attrs[:, 1, :750]), data.listener[:len(attrs)])
    key = [split.seed, split.split_index]
    for i in range(split.n_pairs):
        for role in (0, 1):
            lat = np.random.default_rng(key + [synth._C_LATENT, i]).standard_normal(
                (2, sw.T_SIM, sw.D))[role][None]
            au = np.random.default_rng(key + [synth._C_AU, i]).standard_normal(
                (2, sw.N_AUS, 751 + synth.AU_PAD))[role][None]
            ex = np.random.default_rng(key + [synth._C_EXPR, i]).standard_normal(
                (2, sw.N_READOUT_NOISE, 751 + synth.AU_PAD))[role][None]
            again = synth.counterfactual_rows(split, world, np.array([i]), np.array([role]),
                                              split.style[i:i + 1, role], split.lag[i:i + 1, role],
                                              lat, au, ex)
            assert np.array_equal(again[0], attrs[i, role])


# ------------------------------------------------------------------------------------------------
# §1 targets on the small profile
# ------------------------------------------------------------------------------------------------

def test_partner_explains_the_listener(figures: dict) -> None:
    share = figures["partner_share"]
    assert share["valence_arousal"] >= 0.40, share
    assert share["au"] >= 0.25 and share["expression"] >= 0.25, share


def test_partner_share_is_zero_for_unrelated_draws(small: dict) -> None:
    """Negative control: pairing each direction's draw 0 with another direction's draw 1 (other
    speaker) gives no shared variance, so the statistic can fail."""
    cf = small["counterfactual"]
    shuffled = cf.copy()
    shuffled[:, 1::2] = np.roll(cf[:, 1::2], 1, axis=0)
    share = wd.partner_share(shuffled)
    assert abs(share["valence_arousal"]) < 0.1 and abs(share["au"]) < 0.1


def test_admissible_styles_respond_differently(figures: dict) -> None:
    sep = figures["style_separation"]
    assert sep["ccc_within_style"] > 0.2
    assert sep["ccc_between_styles"] < 0.1
    assert sep["ccc_within_style"] - sep["ccc_between_styles"] > 0.15
    assert sep["share_directions_between_gt_within"] >= 0.95
    assert sep["frdist_between_styles"] > 1.1 * sep["frdist_within_style"]


def test_mean_over_styles_is_a_poorer_reaction(figures: dict) -> None:
    m = figures["mean_over_styles"]
    assert m["single_style_explained"] >= 0.25
    assert m["mean_over_styles_explained"] < 0.5 * m["single_style_explained"]
    assert m["ccc_mean_over_styles"] < 0.7 * m["ccc_single_style"]


def test_recorded_listener_is_a_draw_of_its_own_style(figures: dict) -> None:
    r = figures["recorded_vs_counterfactual"]
    assert abs(r["ccc_real_own_style"] - r["ccc_draws_own_style"]) < 0.05
    assert r["ccc_real_own_style"] > r["ccc_real_other_styles"] + 0.15
    assert r["frdist_real_own_style"] == pytest.approx(r["frdist_draws_own_style"], rel=0.08)
    assert r["frdist_real_other_styles"] > 1.1 * r["frdist_real_own_style"]
    for group in wd.GROUPS:
        assert 0.85 < r[f"variance_ratio_{group}"] < 1.15, (group, r)


def test_styles_do_not_depend_on_the_speaker() -> None:
    """One-to-many: a listener's style is drawn uniformly from the context's admissible styles,
    independently of everything about the speaker (checked on the style draws of a large split)."""
    split = synth.generate_split("train", 400, seed=3)
    adm = np.asarray(sw.ADMISSIBLE)[split.context]
    slot = (adm == split.style[:, 1:2]).argmax(1)                 # P2's slot in its context
    counts = np.bincount(slot, minlength=3)
    assert counts.min() > 0.25 * len(slot)
    speaker_slot = (adm == split.style[:, :1]).argmax(1)
    table = np.histogram2d(speaker_slot, slot, bins=3)[0]
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    assert ((table - expected) ** 2 / expected).sum() < 20          # chi2(4) at p ~ 5e-4


# ------------------------------------------------------------------------------------------------
# §4 calibration (loose) and Synchrony
# ------------------------------------------------------------------------------------------------

def test_naive_rows_are_near_the_paper_on_small(small: dict) -> None:
    rows = wd.calibration_rows(small["speaker"], small["listener"], small["appropriate"],
                               small["train_speaker"])
    for name, row in rows.items():
        for metric, t in row["targets"].items():
            if metric == "FRCorr":
                assert t["paper"] / 2.5 <= t["value"] <= 2.5 * t["paper"], (name, metric, t)
            else:
                tol = 0.15 if metric == "Synchrony" else 0.35
                assert abs(t["value"] - t["paper"]) <= tol * t["paper"], (name, metric, t)
    sync = {name: row["scores"]["Synchrony"] for name, row in rows.items()}
    assert sync["B_Mime"] < 45 < sync["GT"]                       # not saturated for every method
    assert rows["B_Mime"]["scores"]["Synchrony_saturated_share"] < 0.95

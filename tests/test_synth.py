"""The embedded synthetic dataset: REACT layout, determinism, realism, learnability signals."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from react_bench.constants import ATTRIBUTE_NAMES, N_FRAMES, RAW_FRAMES
from react_bench.data import synth
from react_bench.data.synth_io import format_emotion_rows
from react_bench.errors import DataError

SPLITS = ("train", "val", "test")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.write_synthetic_dataset(tmp_path_factory.mktemp("smoke") / "ds", "smoke", seed=3)


@pytest.fixture(scope="module")
def world48() -> dict:
    """An in-memory split with 48 pairs (96 directions)."""
    return synth.generate_arrays(48, seed=5, name="train")


def _split_rows(root: Path, split: str) -> list[list[str]]:
    with open(root / f"{split}.csv", newline="") as f:
        return list(csv.reader(f))


def _emotion(root: Path, split: str, path: str) -> tuple[list[str], np.ndarray]:
    text = (root / split / "Emotion" / f"{path}.csv").read_text()
    header, body = text.split("\n", 1)
    return header.split(","), np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2)


# ------------------------------------------------------------------------------------------------
# layout
# ------------------------------------------------------------------------------------------------

def test_split_csvs_follow_the_react_layout(smoke: Path) -> None:
    seen: set[str] = set()
    for split, n_pairs in zip(SPLITS, synth.PROFILES["smoke"]):
        rows = _split_rows(smoke, split)
        assert rows[0] == ["", "speaker_path", "listener_path"]
        assert len(rows) == n_pairs + 1
        for i, (idx, p1, p2) in enumerate(rows[1:]):
            assert idx == str(i)
            site, session, person, clip = p1.split("/")
            assert (site, person) == ("Synth", "P1") and session.startswith("S") and int(clip) >= 1
            assert p2 == f"{site}/{session}/P2/{clip}"
            seen.update((p1, p2))
    assert len(seen) == 2 * sum(synth.PROFILES["smoke"])      # every path unique


def test_every_person_has_emotion_and_features(smoke: Path) -> None:
    for split in SPLITS:
        for _, p1, p2 in _split_rows(smoke, split)[1:]:
            for path in (p1, p2):
                header, em = _emotion(smoke, split, path)
                assert header == list(ATTRIBUTE_NAMES)
                assert em.shape == (RAW_FRAMES, 25)
                video = np.load(smoke / split / "Video_features" / f"{path}.npy", allow_pickle=False)
                audio = np.load(smoke / split / "Audio_features" / f"{path}.npy", allow_pickle=False)
                assert video.shape == (RAW_FRAMES, 128) and video.dtype == np.float32
                assert audio.shape == (N_FRAMES, 64) and audio.dtype == np.float32
                assert np.isfinite(video).all() and np.isfinite(audio).all()


def test_neighbour_matrices_match_ground_truth_contexts(smoke: Path) -> None:
    for split, n_pairs in zip(SPLITS, synth.PROFILES["smoke"]):
        m = np.load(smoke / f"neighbour_emotion_{split}.npy", allow_pickle=False)
        assert m.shape == (2 * n_pairs, 2 * n_pairs) and m.dtype == np.uint8
        assert np.array_equal(m, np.load(smoke / "ground_truth" / f"appropriate_{split}.npy"))
        with open(smoke / "ground_truth" / f"contexts_{split}.csv", newline="") as f:
            ctx = {r["path"]: int(r["context"]) for r in csv.DictReader(f)}
        rows = _split_rows(smoke, split)[1:]
        speakers = [r[1] for r in rows] + [r[2] for r in rows]      # mirrored order
        c = np.array([ctx[p] for p in speakers])
        expected = (c[:, None] == c[None, :]).astype(np.uint8)
        s = len(speakers)
        expected[np.arange(s), (np.arange(s) + n_pairs) % s] = 0     # own clip, roles swapped
        assert np.array_equal(m, expected)
        assert np.array_equal(m, m.T) and (np.diag(m) == 1).all()


def test_dataset_json_fingerprint_matches_files(smoke: Path) -> None:
    meta = json.loads((smoke / "dataset.json").read_text())
    assert meta["profile"] == "smoke" and meta["seed"] == 3
    assert meta["pairs"] == dict(zip(SPLITS, synth.PROFILES["smoke"]))
    files = sorted(p for p in smoke.rglob("*") if p.is_file() and p.name != "dataset.json")
    assert meta["n_files"] == len(files)
    h = hashlib.sha256()
    for p in sorted(files, key=lambda q: q.relative_to(smoke).as_posix()):
        rel = p.relative_to(smoke).as_posix()
        h.update(f"{rel}\t{hashlib.sha256(p.read_bytes()).hexdigest()}\n".encode())
    assert h.hexdigest() == meta["fingerprint"]


def test_refuses_non_empty_output_and_unknown_profile(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "f").write_text("keep me")
    with pytest.raises(DataError):
        synth.write_synthetic_dataset(tmp_path / "x", "smoke")
    assert (tmp_path / "x" / "f").read_text() == "keep me"
    with pytest.raises(DataError):
        synth.write_synthetic_dataset(tmp_path / "y", "huge")
    assert not (tmp_path / "y").exists()


# ------------------------------------------------------------------------------------------------
# determinism
# ------------------------------------------------------------------------------------------------

def test_same_seed_same_bytes_other_seed_other_content(smoke: Path, tmp_path: Path) -> None:
    again = synth.write_synthetic_dataset(tmp_path / "again", "smoke", seed=3)
    other = synth.write_synthetic_dataset(tmp_path / "other", "smoke", seed=4)
    fp = [json.loads((r / "dataset.json").read_text())["fingerprint"] for r in (smoke, again, other)]
    assert fp[0] == fp[1] and fp[0] != fp[2]
    path = _split_rows(smoke, "val")[1][1]
    assert (smoke / "val/Emotion" / f"{path}.csv").read_bytes() == \
        (again / "val/Emotion" / f"{path}.csv").read_bytes()
    a = _emotion(smoke, "val", path)[1]
    b = _emotion(other, "val", _split_rows(other, "val")[1][1])[1]
    assert not np.allclose(a, b)


def test_generation_does_not_depend_on_chunking() -> None:
    split = synth.generate_split("val", 5, seed=2)
    whole = np.concatenate([c[1] for c in synth.iter_chunks(split, chunk=5)])
    single = np.concatenate([c[1] for c in synth.iter_chunks(split, chunk=1)])
    assert np.array_equal(whole, single)


def test_attributes_do_not_depend_on_feature_dims() -> None:
    a = synth.generate_arrays(3, seed=1, name="test")
    b = synth.generate_arrays(3, seed=1, name="test", video_dim=8, audio_dim=4)
    assert np.array_equal(a["speaker"], b["speaker"]) and np.array_equal(a["listener"], b["listener"])
    assert b["video"].shape[-1] == 8 and b["audio"].shape[-1] == 4


def test_emotion_row_formatter_round_trips() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([(rng.random((40, 15)) > 0.5).astype(float),
                        rng.uniform(-1, 1, (40, 2)), rng.dirichlet(np.ones(8), 40)], axis=1)
    x[0, 15:] = [-1.0, 1.0, 1.0, 0, 0, 0, 0, 0, 0, 0]
    x[1, 15] = -3e-7                                   # rounds to zero: no "-0.000000"
    text = format_emotion_rows(x).decode()
    assert "-0.000000" not in text
    back = np.loadtxt(io.StringIO(text), delimiter=",")
    assert back.shape == x.shape
    assert np.abs(back - x).max() <= 5.01e-7


# ------------------------------------------------------------------------------------------------
# realism
# ------------------------------------------------------------------------------------------------

def test_attributes_are_realistic(world48: dict) -> None:
    x = np.concatenate([world48["speaker"], world48["listener"]])
    au, va, ex = x[..., :15], x[..., 15:17], x[..., 17:]
    assert set(np.unique(au)) <= {0.0, 1.0}
    rates = au.mean(axis=(0, 1))
    assert rates.min() < 0.2 and 0.35 < rates.max() < 0.7        # rare and frequent AUs
    assert rates.max() > 2.5 * rates.min()
    constant = (au.std(axis=1) == 0).mean()
    assert 0.05 < constant < 0.45                                 # some never-active AU columns
    assert np.abs(va).max() <= 1.0
    assert np.abs(np.diff(va, axis=1)).mean() < 0.02              # smooth
    assert va.std(axis=1).mean() > 0.05                           # but not flat
    assert ex.min() >= 0.0 and np.allclose(ex.sum(-1), 1.0, atol=1e-9)


def test_au_events_last_between_a_fifth_of_a_second_and_a_few_seconds(world48: dict) -> None:
    au = world48["speaker"][..., :15].transpose(0, 2, 1).reshape(-1, RAW_FRAMES)
    edges = np.diff(np.pad(au, ((0, 0), (1, 1))), axis=1)
    durations = np.nonzero(edges == -1)[1] - np.nonzero(edges == 1)[1]
    assert len(durations) > 100
    assert 5 <= np.median(durations) <= 40                       # 0.2 s .. 1.6 s
    assert np.mean(durations < 3) < 0.05                          # no single-frame flicker
    assert np.percentile(durations, 90) <= 150                    # rarely longer than 6 s


def _r2(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray) -> np.ndarray:
    a = np.c_[train_x, np.ones(len(train_x))]
    w = np.linalg.solve(a.T @ a + 1e-3 * np.eye(a.shape[1]), a.T @ train_y)
    pred = np.c_[test_x, np.ones(len(test_x))] @ w
    return 1 - ((test_y - pred) ** 2).sum(0) / ((test_y - test_y.mean(0)) ** 2).sum(0).clip(1e-12)


def test_video_is_more_informative_than_audio(world48: dict) -> None:
    held = synth.generate_arrays(16, seed=6, name="val")
    y_tr = world48["speaker"][:, :N_FRAMES].reshape(-1, 25)
    y_te = held["speaker"][:, :N_FRAMES].reshape(-1, 25)
    keep = y_te.std(0) > 0
    r2 = {}
    for mod in ("video", "audio"):
        x_tr = world48[mod][:, :N_FRAMES].reshape(-1, world48[mod].shape[-1])
        x_te = held[mod][:, :N_FRAMES].reshape(-1, held[mod].shape[-1])
        r2[mod] = _r2(x_tr, y_tr, x_te, y_te)[keep]
    assert r2["video"].mean() > 0.5
    assert r2["video"].mean() > r2["audio"].mean() + 0.2
    assert _r2(world48["audio"][:, :N_FRAMES].reshape(-1, 64), y_tr[:, 16:17],
               held["audio"][:, :N_FRAMES].reshape(-1, 64), y_te[:, 16:17])[0] > 0.3   # arousal


def test_listener_is_a_transformation_not_a_copy(world48: dict) -> None:
    """Copying the speaker is far from the real listener; the right context's mean listener is
    closer (FRDist-style min over appropriate reactions) than the speaker copy."""
    from react_bench.metrics.dtw import weighted_dtw_cross

    sp, li, m = world48["speaker"][:, :N_FRAMES], world48["listener"][:, :N_FRAMES], \
        world48["appropriate"]
    held = synth.generate_arrays(16, seed=7, name="val")
    ctx_tr = np.tile(world48["context"], 2)
    ctx_te = np.tile(held["context"], 2)
    mean_listener = np.stack([li[ctx_tr == c].mean(0) if (ctx_tr == c).any() else li.mean(0)
                              for c in range(8)])
    pool, mh = held["listener"][:, :N_FRAMES], held["appropriate"]
    d_mime = weighted_dtw_cross(held["speaker"][:, :N_FRAMES], pool, downsample=5)
    d_mean = weighted_dtw_cross(mean_listener[ctx_te], pool, downsample=5)
    frd = {k: np.mean([d[i][mh[i] == 1].min() for i in range(len(pool))])
           for k, d in (("mime", d_mime), ("mean", d_mean))}
    assert frd["mean"] < 0.95 * frd["mime"]
    # per-attribute correlation between a speaker and their own listener is weak on average
    sc = sp - sp.mean(1, keepdims=True)
    lc = li - li.mean(1, keepdims=True)
    r = (sc * lc).sum(1) / np.sqrt((sc ** 2).sum(1) * (lc ** 2).sum(1)).clip(1e-12)
    assert np.abs(r[:, 15:17].mean()) < 0.2
    assert m.shape == (96, 96)


def test_true_matrix_is_symmetric_with_unit_diagonal_and_no_mirror() -> None:
    ctx = np.array([0, 1, 0, 2, 1])
    m = synth.true_appropriateness(ctx)
    assert m.shape == (10, 10) and np.array_equal(m, m.T) and (np.diag(m) == 1).all()
    assert m[0, 5] == 0 and m[0, 2] == 1 and m[0, 7] == 1 and m[0, 1] == 0
    assert np.array_equal(synth.mirror_index(10), [5, 6, 7, 8, 9, 0, 1, 2, 3, 4])


def test_a_cache_written_by_other_generator_code_is_regenerated(isolated_cache) -> None:
    """Development drafts share version numbers; the recorded source hash tells them apart."""
    import json
    import warnings

    from react_bench.data.default import default_dataset_root

    root = default_dataset_root("smoke", 0)
    meta = json.loads((root / "dataset.json").read_text())
    assert len(meta["generator_source_sha256"]) == 64
    meta["generator_source_sha256"] = "0" * 64
    (root / "dataset.json").write_text(json.dumps(meta))
    (root / "marker").write_text("stale")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = default_dataset_root("smoke", 0)
    assert again == root and not (root / "marker").exists()
    assert any("other generator code" in str(w.message) for w in caught)
    assert json.loads((root / "dataset.json").read_text())["generator_source_sha256"] != "0" * 64

import os
import time

import numpy as np
import pytest

from react_bench.data.layout import mirrored_directions, read_split_pairs, renamed_person_path
from react_bench.data.reader import load_split
from react_bench.errors import DataError

from conftest import write_emotion_csv, write_tiny_dataset


def test_real_react2023_split_csvs_parse_with_udiva_paths(shared_reference):
    train = read_split_pairs(shared_reference / "react2023_splits" / "train.csv")
    val = read_split_pairs(shared_reference / "react2023_splits" / "val.csv")
    assert len(train) == 2634
    assert len(val) in (838, 839)
    udiva = [s for s, _ in train if s.startswith("UDIVA/")]
    assert udiva and all(len(p.split("/")) == 5 for p in udiva)          # one more level
    noxi = [s for s, _ in train if s.startswith("NoXI/")]
    assert noxi and all(len(p.split("/")) == 4 and "/Expert_video/" in p for p in noxi)
    speakers, listeners = mirrored_directions(val)
    assert len(speakers) == 2 * len(val)


def test_mirrored_order_matches_the_official_evaluator():
    pairs = [("A/g/P1/1", "A/g/P2/1"), ("A/g/P1/2", "A/g/P2/2"), ("A/g/P1/3", "A/g/P2/3")]
    speakers, listeners = mirrored_directions(pairs)
    assert speakers == ["A/g/P1/1", "A/g/P1/2", "A/g/P1/3", "A/g/P2/1", "A/g/P2/2", "A/g/P2/3"]
    assert listeners == ["A/g/P2/1", "A/g/P2/2", "A/g/P2/3", "A/g/P1/1", "A/g/P1/2", "A/g/P1/3"]


def test_load_split_arrays_follow_the_mirrored_order(tmp_path, shared_reference):
    pairs = read_split_pairs(shared_reference / "react2023_splits" / "val.csv")[:2]  # UDIVA rows
    root = write_tiny_dataset(tmp_path / "d", pairs)
    split = load_split(root, "test")
    s = split.n_directions
    assert s == 4 and split.speaker.shape == (4, 750, 25) and split.video.shape == (4, 750, 6)
    assert split.speaker[:, 0, 0].tolist() == [0, 1, 2, 3]
    assert split.listener[:, 0, 0].tolist() == [2, 3, 0, 1]   # listener of k is the partner
    assert split.appropriate.shape == (s, s)
    assert split.speaker_paths[0] == pairs[0][0] and split.listener_paths[0] == pairs[0][1]


@pytest.mark.parametrize("rows, ok", [(751, True), (750, True), (749, False), (752, False)])
def test_emotion_lengths(tmp_path, rows, ok):
    root = write_tiny_dataset(tmp_path / "d", [("X/g/P1/1", "X/g/P2/1")], rows=rows)
    if ok:
        assert load_split(root, "test").speaker.shape == (2, 750, 25)
    else:
        with pytest.raises(DataError, match=r"X/g/P1/1\.csv.*rows"):
            load_split(root, "test")


def test_missing_emotion_falls_back_to_official_person_renaming(tmp_path):
    pairs = [("NoXI/001_2016/Expert_video/3", "NoXI/001_2016/Novice_video/3")]
    root = write_tiny_dataset(tmp_path / "d", pairs)
    emotion = root / "test" / "Emotion" / "NoXI" / "001_2016"
    (emotion / "Expert_video").rename(emotion / "P1")
    (emotion / "Novice_video").rename(emotion / "P2")
    assert renamed_person_path("RECOLA/group-1/P41/2") == "RECOLA/group-1/P1/2"
    assert load_split(root, "test").speaker[:, 0, 0].tolist() == [0, 1]
    (emotion / "P2" / "3.csv").unlink()
    with pytest.raises(DataError, match="Novice_video/3.csv"):
        load_split(root, "test")


def test_cache_is_used_then_invalidated_when_a_source_changes(tmp_path, monkeypatch):
    import react_bench.data.reader as reader

    root = write_tiny_dataset(tmp_path / "d", [("X/g/P1/1", "X/g/P2/1"), ("X/g/P1/2", "X/g/P2/2")])
    first = load_split(root, "test")
    assert (root / ".react_bench_cache" / "test" / "emotion.npy").is_file()
    real_parse = reader._parse
    monkeypatch.setattr(reader, "_parse", lambda *a: pytest.fail("cache not used"))
    second = load_split(root, "test")                          # served from the cache
    monkeypatch.setattr(reader, "_parse", real_parse)
    np.testing.assert_array_equal(first.speaker, second.speaker)
    file = root / "test" / "Emotion" / "X" / "g" / "P1" / "2.csv"
    changed = np.full((751, 25), 7.0)
    write_emotion_csv(file, changed)
    os.utime(file, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    third = load_split(root, "test")
    assert float(third.speaker[1, 0, 0]) == 7.0


def test_bad_files_give_errors_naming_the_file(tmp_path):
    root = write_tiny_dataset(tmp_path / "d", [("X/g/P1/1", "X/g/P2/1")])
    bad = root / "test" / "Emotion" / "X" / "g" / "P2" / "1.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="P2/1.csv"):
        load_split(root, "test", cache=False)
    root2 = write_tiny_dataset(tmp_path / "e", [("X/g/P1/1", "X/g/P2/1")])
    np.save(root2 / "test" / "Video_features" / "X" / "g" / "P1" / "1.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataError, match="plain .npy"):
        load_split(root2, "test", cache=False)
    np.save(root2 / "neighbour_emotion_test.npy", np.ones((3, 3), np.uint8))
    with pytest.raises(DataError, match="does not match"):
        load_split(root2, "test", features=False, cache=False)


def test_pth_features_load_without_unpickling(tmp_path):
    import torch

    root = write_tiny_dataset(tmp_path / "d", [("X/g/P1/1", "X/g/P2/1")])
    for person in ("P1", "P2"):
        npy = root / "test" / "Audio_features" / "X" / "g" / person / "1.npy"
        npy.unlink()
        torch.save(torch.ones(749, 4), npy.with_suffix(".pth"))        # 749 rows: padded by one
    split = load_split(root, "test")
    assert split.audio.shape == (2, 750, 4)
    torch.save({"not": "a tensor"}, npy.with_suffix(".pth"))
    with pytest.raises(DataError, match="expected one tensor"):
        load_split(root, "test", cache=False)


# ------------------------------------------------------------------------------------------------
# fingerprints (issue 9 §3.5)
# ------------------------------------------------------------------------------------------------

def _two_split_dataset(root):
    pairs = [("X/g/P1/1", "X/g/P2/1"), ("X/g/P1/2", "X/g/P2/2")]
    write_tiny_dataset(root, pairs, split="val", seed=1)
    write_tiny_dataset(root, pairs, split="test", seed=1)            # same bytes as val
    return root


def test_real_data_fingerprint_is_split_specific_and_content_based(tmp_path):
    from react_bench.data.reader import dataset_fingerprint

    root = _two_split_dataset(tmp_path / "d")
    val, test = load_split(root, "val"), load_split(root, "test")
    assert val.fingerprint != test.fingerprint                       # even with identical contents
    assert len(test.fingerprint) == 64
    assert dataset_fingerprint(root, "test") == test.fingerprint
    assert load_split(root, "test", features=False).fingerprint == test.fingerprint
    assert load_split(root, "test", cache=False).fingerprint == test.fingerprint
    combined = dataset_fingerprint(root)
    assert combined not in (val.fingerprint, test.fingerprint)

    file = root / "test" / "Emotion" / "X" / "g" / "P2" / "1.csv"
    os.utime(file, ns=(time.time_ns(), time.time_ns() + 10_000_000))  # touched, same content
    assert load_split(root, "test").fingerprint == test.fingerprint
    lines = file.read_text().splitlines()
    row = lines[5].split(",")
    row[20] = "0.5" if row[20] != "0.5" else "0.25"                   # one emotion value
    lines[5] = ",".join(row)
    file.write_text("\n".join(lines) + "\n")
    changed = load_split(root, "test").fingerprint
    assert changed != test.fingerprint
    assert load_split(root, "val").fingerprint == val.fingerprint     # the other split keeps its own
    np.save(root / "neighbour_emotion_test.npy", np.ones((4, 4), np.uint8))
    assert load_split(root, "test").fingerprint not in (changed, test.fingerprint)


def test_fingerprint_is_cached_beside_the_array_cache(tmp_path, monkeypatch):
    import react_bench.data.reader as reader

    root = _two_split_dataset(tmp_path / "d")
    calls = []
    real_hash = reader._hash_split
    monkeypatch.setattr(reader, "_hash_split", lambda *a: calls.append(a[0]) or real_hash(*a))
    first = load_split(root, "test")
    assert calls == ["test"]
    assert (root / ".react_bench_cache" / "test" / "fingerprint.json").is_file()
    assert load_split(root, "test").fingerprint == first.fingerprint
    assert reader.dataset_fingerprint(root, "test") == first.fingerprint
    assert calls == ["test"]                                           # not rehashed
    assert load_split(root, "test", cache=False).fingerprint == first.fingerprint
    assert calls == ["test", "test"]


def test_synthetic_data_keeps_the_generator_fingerprint(tmp_path):
    import json

    from react_bench.data.reader import dataset_fingerprint

    root = _two_split_dataset(tmp_path / "d")
    (root / "dataset.json").write_text(json.dumps({"fingerprint": "abc123"}))
    assert load_split(root, "val").fingerprint == load_split(root, "test").fingerprint == "abc123"
    assert dataset_fingerprint(root, "val") == dataset_fingerprint(root) == "abc123"

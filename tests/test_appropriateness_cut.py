"""Split-matrix cut (official tool/matrix_split.py rule) and appropriateness-matrix validation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from react_bench.appropriateness.cut import (
    cut_split_matrix,
    cut_with_map,
    map_split_rows,
    speaker_key,
)
from react_bench.appropriateness.validate import validate_matrix
from react_bench.errors import DataError

REF = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "react2023_splits"

# Hand-made data_indices: row r = clip r of the global matrix. Note the string sort (1, 10, 2)
# and the "Recola" spelling of the real file.
INDICES = [
    ("NoXI", "001_2016-03-17_Paris", "1"),     # 0
    ("NoXI", "001_2016-03-17_Paris", "10"),    # 1
    ("NoXI", "001_2016-03-17_Paris", "2"),     # 2
    ("Recola", "group-1", "1"),                # 3
    ("UDIVA", "002003_animal", "1"),           # 4
    ("UDIVA", "002003_talk", "3"),             # 5
]
N = len(INDICES)
# Split rows: (speaker, listener) and the data_indices row the speaker must map to.
ROWS = [
    ("NoXI/001_2016-03-17_Paris/Expert_video/2", "NoXI/001_2016-03-17_Paris/Novice_video/2", 2),
    ("UDIVA/talk/002003/FC1/3", "UDIVA/talk/002003/FC2/3", 5),
    ("RECOLA/group-1/P25/1", "RECOLA/group-1/P26/1", 3),
    ("NoXI/001_2016-03-17_Paris/Expert_video/10", "NoXI/001_2016-03-17_Paris/Novice_video/10", 1),
]


def _write_inputs(tmp_path: Path, rows=ROWS) -> tuple[Path, Path]:
    di = tmp_path / "data_indices.csv"
    pd.DataFrame(INDICES, columns=["site", "chat_index", "clip_index"]).to_csv(di, index=False)
    split = tmp_path / "val.csv"
    # Same header as the official CSVs: ",speaker_path,listener_path".
    pd.DataFrame([(s, l) for s, l, _ in rows], columns=["speaker_path", "listener_path"]).to_csv(split)
    assert split.read_text().splitlines()[0] == ",speaker_path,listener_path"
    return di, split


def _global(seed: int = 0) -> np.ndarray:
    g = (np.random.default_rng(seed).random((2 * N, 2 * N)) < 0.5).astype(np.uint8)
    np.fill_diagonal(g, 1)
    return g


def _official_loops(g: np.ndarray, c: list[int]) -> np.ndarray:
    """The four-block rule written out element by element (react_metrics.md §5)."""
    L, half = len(c), g.shape[0] // 2
    out = np.zeros((2 * L, 2 * L), np.uint8)
    for i in range(L):
        for j in range(L):
            out[i, j] = g[c[i], c[j]]
            out[i, j + L] = g[c[i], c[j] + half]
            out[i + L, j] = g[c[i] + half, c[j]]
            out[i + L, j + L] = g[c[i] + half, c[j] + half]
    return out


def test_speaker_key_forms():
    assert speaker_key("NoXI/001_2016-03-17_Paris/Expert_video/7") == "NOXI/001_2016-03-17_Paris/7"
    assert speaker_key("RECOLA/group-2/P41/3") == "RECOLA/group-2/3"
    assert speaker_key("UDIVA/talk/023102/FC1/8") == "UDIVA/023102_talk/8"
    with pytest.raises(ValueError):
        speaker_key("UDIVA/talk/023102/8")
    with pytest.raises(ValueError):
        speaker_key("NoXI/sess/7")


def test_cut_matches_block_rule_with_udiva(tmp_path):
    di, split = _write_inputs(tmp_path)
    for seed in range(3):
        g = _global(seed)
        got = cut_split_matrix(g, di, split)
        assert got.dtype == np.uint8 and got.shape == (8, 8)
        np.testing.assert_array_equal(got, _official_loops(g, [r[2] for r in ROWS]))


def test_cut_hand_checked_entries(tmp_path):
    """Spot entries against the global matrix by hand, independent of any helper."""
    di, split = _write_inputs(tmp_path)
    g = np.zeros((12, 12), np.uint8)
    g[2, 3 + 6] = 1        # row 0 (clip 2, speaker role) -> row 2 (clip 3) mirrored direction
    g[5 + 6, 1] = 1        # UDIVA row 1 mirrored -> row 3 speaker direction
    got = cut_split_matrix(g, di, split)
    expected = np.zeros((8, 8), np.uint8)
    expected[0, 2 + 4] = 1
    expected[1 + 4, 3] = 1
    np.testing.assert_array_equal(got, expected)


def test_skip_udiva_drops_rows_and_exposes_kept_rows(tmp_path):
    di, split = _write_inputs(tmp_path)
    g = _global(1)
    got = cut_split_matrix(g, di, split, skip_udiva=True)
    assert got.shape == (6, 6)
    kept = [r for r in ROWS if not r[0].startswith("UDIVA")]
    np.testing.assert_array_equal(got, _official_loops(g, [r[2] for r in kept]))
    rm = map_split_rows(di, split, skip_udiva=True)
    assert rm.kept_rows.tolist() == [0, 2, 3]
    assert rm.n_skipped_udiva == 1 and rm.n_csv_rows == 4
    assert rm.direction_speaker_paths == [r[0] for r in kept] + [r[1] for r in kept]
    assert rm.direction_listener_paths == [r[1] for r in kept] + [r[0] for r in kept]
    np.testing.assert_array_equal(cut_with_map(g, rm), got)


def test_inputs_as_dataframes_and_npy_path(tmp_path):
    di, split = _write_inputs(tmp_path)
    g = _global(2)
    gp = tmp_path / "Approprirate_facial_reaction.npy"
    np.save(gp, g.astype(np.float64))                  # the official file's dtype is not known: accept floats
    a = cut_split_matrix(gp, pd.read_csv(di, dtype=str), pd.read_csv(split, dtype=str))
    np.testing.assert_array_equal(a, cut_split_matrix(g, di, split))


def test_unmatched_row_is_an_error_naming_it(tmp_path):
    rows = ROWS + [("NoXI/001_2016-03-17_Paris/Expert_video/99", "NoXI/001_2016-03-17_Paris/Novice_video/99", -1)]
    di, split = _write_inputs(tmp_path, rows)
    with pytest.raises(DataError, match=r"row 4 'NoXI/001_2016-03-17_Paris/Expert_video/99'"):
        cut_split_matrix(_global(), di, split)
    # an unmatched UDIVA row is skipped only under the R24 rule
    rows = ROWS + [("UDIVA/lego/999999/FC1/1", "UDIVA/lego/999999/FC2/1", -1)]
    di, split = _write_inputs(tmp_path, rows)
    with pytest.raises(DataError, match="UDIVA/lego/999999/FC1/1"):
        cut_split_matrix(_global(), di, split)
    assert cut_split_matrix(_global(), di, split, skip_udiva=True).shape == (6, 6)


def test_malformed_and_ambiguous_rows(tmp_path):
    di, split = _write_inputs(tmp_path, ROWS + [("NoXI/oops/1", "NoXI/oops/2", -1)])
    with pytest.raises(DataError, match="row 4 'NoXI/oops/1'"):
        map_split_rows(di, split)
    dup = pd.DataFrame(INDICES + [("NOXI", "001_2016-03-17_Paris", "2")], columns=["site", "chat_index", "clip_index"])
    _, split = _write_inputs(tmp_path)
    with pytest.raises(DataError, match="2 data_indices rows"):
        map_split_rows(dup, split)


def test_global_matrix_checks(tmp_path):
    di, split = _write_inputs(tmp_path)
    with pytest.raises(DataError, match="data_indices has 6 rows"):
        cut_split_matrix(np.ones((14, 14), np.uint8), di, split)
    with pytest.raises(DataError, match="square"):
        cut_split_matrix(np.ones((12, 10), np.uint8), di, split)
    g = _global().astype(np.float32)
    g[2, 3] = 0.5
    with pytest.raises(DataError, match="0/1"):
        cut_split_matrix(g, di, split)
    g[2, 3] = np.nan
    with pytest.raises(DataError, match="0/1"):
        cut_split_matrix(g, di, split)


@pytest.mark.skipif(not REF.is_dir(), reason="shared reference splits not available")
def test_real_react2023_csvs_all_map():
    di = REF / "data_indices.csv"
    counts = {}
    used: dict[str, set[int]] = {}
    for name in ("train", "val"):
        rm = map_split_rows(di, REF / f"{name}.csv")
        n_rows = len(pd.read_csv(REF / f"{name}.csv"))
        assert rm.n_pairs == n_rows == rm.n_csv_rows
        assert len(set(rm.global_index.tolist())) == n_rows            # one clip per row, all distinct
        used[name] = set(rm.global_index.tolist())
        r24 = map_split_rows(di, REF / f"{name}.csv", skip_udiva=True)
        assert not any(p.startswith("UDIVA") for p in r24.speaker_paths)
        counts[name] = (n_rows, r24.n_pairs)
    assert counts == {"train": (2634, 1593), "val": (839, 562)}          # react_metrics.md §5; paper val L=562
    assert not used["train"] & used["val"]
    # an identity global matrix cuts to the identity: rows map to distinct clips, offsets line up
    n_clips = len(pd.read_csv(di))          # 4308 rows (the notes' "4307" is off by one: 2935+27+1346)
    assert n_clips == 2935 + 27 + 1346
    g = np.eye(2 * n_clips, dtype=np.uint8)
    m = cut_split_matrix(g, di, REF / "val.csv")
    np.testing.assert_array_equal(m, np.eye(2 * 839, dtype=np.uint8))


# ---------------------------------------------------------------------------------------------
# validate_matrix


def _good(n: int = 6) -> np.ndarray:
    m = np.eye(n, dtype=np.uint8)
    m[0, 1] = m[1, 0] = 1
    m[2, 3] = m[3, 2] = m[2, 4] = m[4, 2] = 1
    m[5, 0] = m[0, 5] = 1
    return m


def test_validate_good_matrix_stats():
    m = _good()
    r = validate_matrix(m, expected_size=6)
    assert r.ok and not r.problems and not r.warnings
    assert r.symmetric and r.diagonal_ok and r.binary
    excl = [2, 1, 2, 1, 1, 1]
    assert r.neighbours_excl_self_mean == pytest.approx(np.mean(excl))
    assert (r.neighbours_excl_self_min, r.neighbours_excl_self_max) == (1, 2)
    assert (r.neighbours_incl_self_min, r.neighbours_incl_self_max) == (2, 3)
    assert r.neighbours_incl_self_mean == pytest.approx(np.mean(excl) + 1)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["ok"] is True and d["shape"] == [6, 6]


@pytest.mark.parametrize("case, needle", [
    ("not_square", "square"),
    ("size", "does not match the split's 8"),
    ("value", "not 0/1"),
    ("nan", "not 0/1"),
    ("diagonal", "diagonal"),
    ("empty_row", "no appropriate reaction at all"),
])
def test_validate_problems_detected(case, needle):
    m = _good().astype(np.float64)
    expected = 6
    if case == "not_square":
        m = m[:, :5]
    elif case == "size":
        expected = 8
    elif case == "value":
        m[1, 2] = 2
    elif case == "nan":
        m[1, 2] = np.nan
    elif case == "diagonal":
        m[3, 3] = 0
    elif case == "empty_row":
        m[1] = 0
    r = validate_matrix(m, expected_size=expected)
    assert not r.ok
    assert any(needle in p for p in r.problems), r.problems
    if case == "diagonal":
        assert r.bad_diagonal_rows == [3] and r.diagonal_ok is False
    if case == "empty_row":
        assert r.empty_rows == [1]


def test_validate_warnings_only_self_and_asymmetry():
    m = np.eye(16, dtype=np.uint8)
    m[0, 1] = 1                                  # asymmetric; rows 1..15 only have themselves
    r = validate_matrix(m)
    assert r.ok
    assert r.only_self_rows == list(range(1, 16))
    assert any("no appropriate reaction but their own" in w and "... and 5 more" in w for w in r.warnings)
    assert r.symmetric is False and any("not symmetric" in w for w in r.warnings)
    assert r.neighbours_excl_self_min == 0 and r.neighbours_incl_self_min == 1
    odd = validate_matrix(np.eye(15, dtype=np.uint8))
    assert not odd.ok and any("odd" in p for p in odd.problems)

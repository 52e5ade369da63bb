import json
import multiprocessing
import shutil
import stat
from pathlib import Path

import pytest

from react_bench.errors import ReactBenchError
from react_bench.leaderboard import (RANK_RULE, competition_ranks, render_leaderboard, table_ranks,
                                     write_leaderboard)
from react_bench.results import (ResultExists, StoreProblem, array_sha256, identity_key, load_results,
                                 result_identity, result_path, write_result)

HISTORIC = Path(__file__).parent / "historic_results"


def _result(method, frdist, frcorr, run="r1", split="test", date="2026-01-01T00:00:00+00:00",
            fingerprint="abc", n_samples=10, name="synth-small-seed0"):
    return {"schema_version": 2, "method": method, "run_id": run, "split": split,
            "identity": result_identity(method=method, run_id=run, dataset_fingerprint=fingerprint, split=split,
                                        n_samples=n_samples, frrea=False),
            "dataset": {"name": name, "fingerprint": fingerprint}, "n_directions": 48,
            "n_samples": n_samples, "date": date,
            "scores": {"FRDist": frdist, "FRCorr": frcorr, "PCC": 0.1, "FRRea": None, "FRVar": 0.1,
                       "FRDvs": 0.2, "FRDiv": 0.0, "Synchrony": 12.0},
            "per_sample": {"FRDist_per_sample": frdist / n_samples, "FRCorr_per_sample": frcorr / n_samples,
                           "Synchrony_all_samples": 30.0},
            "skipped": {"FRRea": "disabled (--no-fid)"}}


def _table_order(text: str, title: str) -> list[str]:
    block = text.split(f"\n{title}\n")[1].split("\nRank:")[0]
    lines = [line for line in block.splitlines() if line.startswith("| ")]
    return [(line.split("|")[1].strip(), line.split("|")[2].strip()) for line in lines[1:]]


# ------------------------------------------------------------------------------------------ store
def test_results_are_written_atomically_with_mode_0644_and_reload(tmp_path):
    store = tmp_path / "results"
    result = _result("B_Mime", 200.0, 1.0)
    path = write_result(result, store)
    assert path == result_path(store, result["identity"]) and path.is_file()
    assert path.name == f"test-{identity_key(result['identity'])}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]
    loaded = load_results(store)
    assert len(loaded) == 1 and loaded[0]["scores"]["FRDist"] == 200.0


def test_same_identity_is_refused_unless_replaced_and_a_new_identity_is_a_new_file(tmp_path):
    store = tmp_path / "results"
    first = write_result(_result("B_Mime", 200.0, 1.0), store)
    with pytest.raises(ResultExists) as caught:
        write_result(_result("B_Mime", 150.0, 2.0), store)
    assert caught.value.path == first and "--replace" in str(caught.value)
    assert json.loads(first.read_text())["scores"]["FRDist"] == 200.0          # untouched
    assert write_result(_result("B_Mime", 150.0, 2.0), store, replace=True) == first
    assert json.loads(first.read_text())["scores"]["FRDist"] == 150.0
    other_data = write_result(_result("B_Mime", 100.0, 3.0, fingerprint="other"), store)
    other_count = write_result(_result("B_Mime", 20.0, 0.2, n_samples=2), store)
    assert len({first, other_data, other_count}) == 3
    assert len(load_results(store)) == 3


def test_identity_covers_every_field():
    base = dict(method="m", run_id="r", dataset_fingerprint="f", split="test", n_samples=10, frrea=True)
    keys = {identity_key(result_identity(**base))}
    for field, other in (("method", "m2"), ("run_id", "r2"), ("dataset_fingerprint", "g"), ("split", "val"),
                         ("n_samples", 2), ("frrea", False)):
        keys.add(identity_key(result_identity(**{**base, field: other})))
    keys.add(identity_key(result_identity(**base, versions="FRDist=2")))
    assert len(keys) == 8


def test_corrupt_and_foreign_json_are_skipped_with_a_warning_and_fail_strict(tmp_path):
    store = tmp_path / "results"
    write_result(_result("B_Mime", 200.0, 1.0), store)
    corrupt = store / "X" / "r" / "test.json"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_text("{not json")
    foreign = store / "Y" / "r" / "test.json"
    foreign.parent.mkdir(parents=True)
    foreign.write_text(json.dumps({"hello": "world"}))
    with pytest.warns(UserWarning) as caught:
        loaded = load_results(store)
    assert len(loaded) == 1
    messages = " ".join(str(w.message) for w in caught)
    assert str(corrupt) in messages and str(foreign) in messages
    problems: list[StoreProblem] = []
    out = tmp_path / "LEADERBOARD.md"
    write_leaderboard(store, out, plots=False, on_problem=problems.append)
    assert {p.path for p in problems} == {corrupt, foreign} and out.is_file()
    out.unlink()
    with pytest.raises(ReactBenchError, match="not results"):
        write_leaderboard(store, out, plots=False, strict=True, on_problem=lambda p: None)
    assert not out.exists()


def test_prediction_hash_depends_on_values_shape_and_dtype():
    import numpy as np

    a = np.zeros((3, 2, 4), np.float32)
    b = a.copy()
    b[2, 1, 3] = 1e-7
    digests = {array_sha256(a), array_sha256(b), array_sha256(a.reshape(3, 8)), array_sha256(a.astype(np.float64))}
    assert len(digests) == 4 and array_sha256(a) == array_sha256(a.copy())


def _publish_many(store: str, board: str, worker: int) -> None:
    from react_bench.pipeline import publish_result

    for i in range(8):
        publish_result(_result(f"M{worker}", 100.0 + i, 1.0, run=f"w{worker}-{i}"), Path(store), Path(board))


def test_concurrent_writers_lose_nothing(tmp_path):
    store, board = tmp_path / "results", tmp_path / "LEADERBOARD.md"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_publish_many, args=(str(store), str(board), w)) for w in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    assert len(load_results(store)) == 16
    text = board.read_text()
    assert all(f"w{w}-{i}" in text for w in range(2) for i in range(8))


# ------------------------------------------------------------------------------------------ ranks
def test_competition_ranks_share_equal_values_and_put_missing_last():
    assert competition_ranks([3.0, 1.0, 1.0, None, 2.0], higher_is_better=False) == [4, 1, 1, 5, 3]
    assert competition_ranks([3.0, 1.0, 3.0], higher_is_better=True) == [1, 3, 1]


def test_bit_identical_scores_get_equal_ranks_and_every_run_is_a_row(tmp_path):
    store = tmp_path / "results"
    write_result(_result("GT", 0.0, 8.7), store)
    write_result(_result("B_Mime", 80.0, 8.0, run="a"), store)
    write_result(_result("B_Mime", 80.0, 8.0, run="b", date="2026-01-02T00:00:00+00:00"), store)
    write_result(_result("B_Random", 240.0, 0.2), store)
    text = render_leaderboard(load_results(store))
    official = _table_order(text, "Official convention")
    assert official == [("1", "GT"), ("2", "B_Mime #1"), ("2", "B_Mime #2"), ("4", "B_Random")]
    assert text.count(RANK_RULE) == 2                    # under both tables


def test_each_table_ranks_its_own_values(tmp_path):
    rows = [_result("X", 100.0, 1.0), _result("B_Random", 90.0, 2.0)]
    # per-sample values that order the other way round (e.g. stored by a different convention)
    rows[0]["per_sample"].update(FRDist_per_sample=5.0, FRCorr_per_sample=0.5)
    rows[1]["per_sample"].update(FRDist_per_sample=9.0, FRCorr_per_sample=0.2)
    assert table_ranks(rows, per_sample=False) == [2, 1]
    assert table_ranks(rows, per_sample=True) == [1, 2]
    text = render_leaderboard(rows)
    assert _table_order(text, "Official convention")[0] == ("1", "B_Random")
    assert _table_order(text, "Per-sample convention")[0] == ("1", "X")


def test_other_sample_counts_are_listed_apart_unranked():
    rows = [_result("B_Mime", 80.0, 8.0), _result("example", 10.0, 1.9, n_samples=2)]
    text = render_leaderboard(rows)
    ranked = _table_order(text, "Official convention")
    assert [label for _, label in ranked] == ["B_Mime"]
    apart = text.split("Other sample counts")[1]
    row = [line for line in apart.splitlines() if line.startswith("| example")][0]
    assert "| 2 " in row and "| 5 " in row              # its count, and FRDist per sample 10 / 2


def test_saturated_official_synchrony_is_flagged():
    saturated = _result("GT", 0.0, 8.7)
    saturated["scores"]["Synchrony"] = 49.0
    saturated["diagnostics"] = {"Synchrony_saturated_share": 0.75}
    text = render_leaderboard([saturated, _result("B_Mime", 80.0, 8.0)])
    assert "Official Synchrony is saturated" in text and "GT 75%" in text and "B_Mime" not in text.split(
        "Official Synchrony is saturated")[1].split("\n")[0]


# ------------------------------------------------------------------------------------------ plots
def test_one_plot_per_fingerprint_and_split_and_stale_plots_go(tmp_path):
    store = tmp_path / "results"
    write_result(_result("B_Mime", 80.0, 8.0, fingerprint="aaaa"), store)
    write_result(_result("B_Mime", 90.0, 7.0, fingerprint="bbbb"), store)      # same dataset name
    write_result(_result("GT", 0.0, 8.7, fingerprint="aaaa", split="val"), store)
    stale = tmp_path / "leaderboard_gone_test.png"
    stale.write_bytes(b"old")
    out = write_leaderboard(store, tmp_path / "LEADERBOARD.md")
    pictures = sorted(p.name for p in tmp_path.glob("leaderboard_*.png"))
    assert pictures == ["leaderboard_aaaa_test.png", "leaderboard_aaaa_val.png", "leaderboard_bbbb_test.png"]
    text = out.read_text()
    assert all(name in text for name in pictures) and not stale.exists()
    assert text == render_leaderboard(load_results(store), plots=True)
    assert all((tmp_path / name).stat().st_size > 1000 for name in pictures)


def test_historic_results_keep_loading(tmp_path):
    store = tmp_path / "results"
    shutil.copytree(HISTORIC, store)
    loaded = load_results(store)
    assert len(loaded) >= 2, "historic results must load"
    for result in loaded:
        assert result["schema_version"] == 2 and "identity" in result
        assert "FRDist" in result["scores"] and "per_sample" in result
    assert "FRDist ↓" in render_leaderboard(loaded)


def test_reference_rows_are_listed_apart_and_oracle_metrics_get_their_own_table():
    gt = _result("GT", 0.0, 8.7)
    gt["method_tags"] = ["naive", "reference"]
    oracle = _result("Oracle_style", 5.0, 6.0)
    oracle["method_tags"] = ["reference"]
    mime = _result("B_Mime", 80.0, 8.0)
    for row, coverage in ((gt, 0.34), (oracle, 1.0), (mime, 0.1)):
        row["oracle"] = {"FRCorr_true": 1.0, "FRDist_true": 50.0, "Coverage": coverage, "Precision": 0.5,
                         "threshold": 3.0}
    text = render_leaderboard([gt, oracle, mime])
    assert [label for _, label in _table_order(text, "Official convention")] == ["B_Mime"]   # ranked alone
    reference = text.split("Reference rows")[1].split("Oracle metrics")[0]
    assert "| GT " in reference and "| Oracle_style " in reference and "B_Mime" not in reference
    table = text.split("Oracle metrics")[1]
    order = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")][1:]
    assert order == ["Oracle_style", "GT", "B_Mime"]                                    # by coverage


def test_the_committed_store_holds_no_machine_paths() -> None:
    """Results and tables are committed: no absolute path of the machine that made them."""
    import re

    repo = Path(__file__).resolve().parents[1]
    pattern = re.compile(r'"(/(?:work|root|home|tmp|Users)/[^"]*)"')
    found = []
    for path in list((repo / "leaderboard").rglob("*.json")) + list((repo / "leaderboard").rglob("*.md")):
        found += [f"{path.relative_to(repo)}: {m}" for m in pattern.findall(path.read_text(errors="replace"))]
    assert not found, found[:5]


def test_portable_path_is_relative_or_short(tmp_path, monkeypatch) -> None:
    from react_bench.pipeline import portable_path

    monkeypatch.chdir(tmp_path)
    assert portable_path(tmp_path / "submissions" / "x") == "submissions/x"
    assert portable_path(Path("/elsewhere/a/submissions/y")) == "submissions/y"

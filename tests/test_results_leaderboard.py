import shutil
from pathlib import Path

from react_bench.leaderboard import ranks, render_leaderboard, write_leaderboard
from react_bench.results import load_results, result_path, write_result

HISTORIC = Path(__file__).parent / "historic_results"


def _result(method, frdist, frcorr, run="r1", split="test", date="2026-01-01T00:00:00+00:00"):
    return {"schema_version": 1, "method": method, "run_id": run, "split": split,
            "dataset": {"name": "synth-small-seed0", "fingerprint": "abc"}, "n_directions": 48,
            "n_samples": 10, "date": date,
            "scores": {"FRDist": frdist, "FRCorr": frcorr, "PCC": 0.1, "FRRea": None, "FRVar": 0.1,
                       "FRDvs": 0.2, "FRDiv": 0.0, "Synchrony": 49.0},
            "per_sample": {"FRDist_per_sample": frdist / 10, "FRCorr_per_sample": frcorr / 10,
                           "Synchrony_all_samples": 30.0},
            "skipped": {"FRRea": "fid weights not found"}}


def test_results_are_written_atomically_and_reload(tmp_path):
    store = tmp_path / "results"
    path = write_result(_result("B_Mime", 200.0, 1.0), store)
    assert path == result_path(store, "B_Mime", "r1", "test") and path.is_file()
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]
    loaded = load_results(store)
    assert len(loaded) == 1 and loaded[0]["scores"]["FRDist"] == 200.0


def test_leaderboard_ranks_latest_run_with_arrows_and_both_conventions(tmp_path):
    store = tmp_path / "results"
    write_result(_result("B_Mime", 200.0, 1.0), store)
    write_result(_result("B_Random", 240.0, 0.2), store)
    write_result(_result("GT", 0.0, 8.7), store)
    write_result(_result("B_Mime", 100.0, 9.0, run="r0", date="2025-01-01T00:00:00+00:00"), store)  # older
    text = render_leaderboard(load_results(store))
    assert "FRDist ↓" in text and "FRCorr ↑" in text and "Synchrony ↓" in text
    assert "Official convention" in text and "Per-sample convention" in text
    official = text.split("\nOfficial convention\n")[1].split("\nPer-sample convention\n")[0]
    lines = [line for line in official.splitlines() if line.startswith("| ")]
    order = [line.split("|")[2].strip() for line in lines[1:]]
    assert order == ["GT", "B_Mime", "B_Random"]               # the newer B_Mime run counts
    assert "| 20 " in text and "| 0.1 " in text                 # 200/10 and 1.0/10 per sample
    out = write_leaderboard(store, tmp_path / "LEADERBOARD.md")
    written = out.read_text()
    assert written == render_leaderboard(load_results(store), plots=True)
    pictures = list(tmp_path.glob("plot_*.png"))
    assert len(pictures) == 1 and pictures[0].name in written and pictures[0].stat().st_size > 1000


def test_rank_puts_missing_metrics_last():
    rows = {"a": _result("a", 1.0, 1.0), "b": _result("b", 2.0, 2.0)}
    rows["b"]["scores"]["FRDist"] = None
    assert ranks(rows)["a"] < ranks(rows)["b"] or ranks(rows)["a"] == 1.5


def test_historic_results_keep_loading(tmp_path):
    store = tmp_path / "results"
    shutil.copytree(HISTORIC, store)
    loaded = load_results(store)
    assert loaded, "historic results must load"
    for result in loaded:
        assert result["schema_version"] >= 1
        assert "FRDist" in result["scores"] and "per_sample" in result
    assert "FRDist ↓" in render_leaderboard(loaded)

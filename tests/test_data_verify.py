"""`react-bench data verify ROOT`: recompute a dataset's fingerprint (issue 9 §3.6)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from react_bench.cli import app
from react_bench.data.reader import load_split, split_fingerprint
from react_bench.data.synth import write_synthetic_dataset
from react_bench.data.verify import dataset_file_digests, verify_dataset

from conftest import write_tiny_dataset


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_dataset(tmp_path_factory.mktemp("verify") / "smoke", "smoke", seed=1)


def test_an_intact_dataset_matches(smoke: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(smoke, copy)
    load_split(copy, "test")                      # writes .react_bench_cache/: not part of it
    assert (copy / ".react_bench_cache").is_dir()
    result = invoke("data", "verify", str(copy))
    assert result.exit_code == 0, result.output
    meta = json.loads((smoke / "dataset.json").read_text())
    assert f"ok: fingerprint {meta['fingerprint']} matches" in result.output
    payload = json.loads(invoke("data", "verify", str(copy), "--json").output)
    assert payload["ok"] and payload["n_files"] == meta["n_files"] and payload["n_differing"] == 0
    assert sorted(dataset_file_digests(copy)) == sorted(meta["files"])


def test_a_changed_file_is_a_mismatch(smoke: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(smoke, copy)
    victim = next(iter(sorted((copy / "val" / "Emotion").rglob("*.csv"))))
    text = victim.read_text()
    victim.write_text(text[:-2] + ("1" if text[-2] != "1" else "2") + "\n")   # one digit
    result = invoke("data", "verify", str(copy))
    assert result.exit_code == 2
    assert "mismatch" in result.output and "1 file differ" in result.output
    rel = victim.relative_to(copy).as_posix()
    assert f"changed: {rel}" in result.output
    payload = json.loads(invoke("data", "verify", str(copy), "--json").output)
    assert not payload["ok"] and payload["changed"] == [rel] and payload["n_differing"] == 1
    (copy / "train.csv").unlink()
    (copy / "notes.txt").write_text("extra")
    report = verify_dataset(copy)
    assert (report.changed, report.missing, report.extra) == ([rel], ["train.csv"], ["notes.txt"])


def test_missing_root_or_not_a_dataset_exits_1(tmp_path: Path) -> None:
    missing = invoke("data", "verify", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1 and "not found" in missing.output
    (tmp_path / "empty").mkdir()
    empty = invoke("data", "verify", str(tmp_path / "empty"), "--json")
    assert empty.exit_code == 1 and not json.loads(empty.output)["ok"]


def test_real_data_prints_split_fingerprints(tmp_path: Path) -> None:
    root = write_tiny_dataset(tmp_path / "real", [("X/g/P1/1", "X/g/P2/1")], split="val")
    write_tiny_dataset(root, [("X/g/P1/1", "X/g/P2/1")], split="test", seed=2)
    result = invoke("data", "verify", str(root))
    assert result.exit_code == 0, result.output
    assert "no dataset.json to compare against" in result.output
    for split in ("val", "test"):
        assert f"{split}: {split_fingerprint(root, split)}" in result.output
    payload = json.loads(invoke("data", "verify", str(root), "--json").output)
    assert payload["kind"] == "real" and set(payload["splits"]) == {"val", "test"}

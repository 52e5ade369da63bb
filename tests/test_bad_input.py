"""Every kind of bad input gets a clear message, the README's exit code, no traceback, and nothing
written. The kinds are listed as a table in docs/bad_input.md (keep the two in step: a test below
checks that every case id appears there).

Exit codes (README): 0 success, 1 bad input (data, options, usage), 2 an invalid submission or
appropriateness matrix, 130 interrupted. The real entry point (`run_cli`) is driven, so usage
errors go through the same exit-code mapping as `react-bench` itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch

from react_bench.cli import run_cli
from conftest import write_emotion_csv, write_tiny_dataset

DOCS = Path(__file__).resolve().parents[1] / "docs" / "bad_input.md"
PAIRS = [("Synth/S001/P1/1", "Synth/S001/P2/1"), ("Synth/S001/P1/2", "Synth/S001/P2/2")]


@dataclass
class Case:
    id: str
    area: str
    build: Callable[[Path], list[str]]     # makes the bad input under a tmp folder, returns argv
    code: int
    message: str                           # a phrase the message must contain (case-insensitive)


# ------------------------------------------------------------------------------------------ builders
def tiny(tmp: Path, **kwargs) -> Path:
    return write_tiny_dataset(tmp / "data", PAIRS, **kwargs)


def info(root: Path, *extra: str) -> list[str]:
    return ["data", "info", "--data", str(root), "--split", "test", *extra]


def with_tiny(edit: Callable[[Path], None], *extra: str) -> Callable[[Path], list[str]]:
    def build(tmp: Path) -> list[str]:
        root = tiny(tmp)
        edit(root)
        return info(root, *extra)
    return build


def emotion(root: Path, k: int = 0) -> Path:
    person = (PAIRS[k][0] if k < 2 else PAIRS[k - 2][1])
    return root / "test" / "Emotion" / f"{person}.csv"


def video(root: Path, k: int = 0) -> Path:
    return root / "test" / "Video_features" / f"{PAIRS[k][0]}.npy"


def rewrite_lines(file: Path, change: Callable[[list[str]], list[str]]) -> None:
    file.write_text("\n".join(change(file.read_text().splitlines())) + "\n")


def cut_last_row(file: Path) -> None:
    text = file.read_text().rstrip("\n")
    file.write_text(text[: text.rfind(",", 0, len(text) - 40)] + "\n")


def set_value(row: int, col: int, value: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        def change(lines: list[str]) -> list[str]:
            cells = lines[row + 1].split(",")
            cells[col] = value
            lines[row + 1] = ",".join(cells)
            return lines
        rewrite_lines(emotion(root), change)
    return edit


def matrix_case(matrix: np.ndarray | str, command: str = "score") -> Callable[[Path], list[str]]:
    """A tiny dataset whose test matrix is `matrix` (or text), then `score` a valid submission or `report`."""
    def build(tmp: Path) -> list[str]:
        root = tiny(tmp)
        submission = valid_submission(tmp, root)
        file = root / "neighbour_emotion_test.npy"
        if isinstance(matrix, str):
            file.write_text(matrix)
        else:
            np.save(file, matrix)
        if command == "report":
            return ["appropriateness", "report", str(file)]
        return ["score", str(submission), "--data", str(root), "--no-fid", "--device", "cpu"]
    return build


def valid_submission(tmp: Path, root: Path, n_samples: int = 2) -> Path:
    from react_bench.data.reader import load_split
    from react_bench.submission import write_submission

    split = load_split(root, "test", features=False, cache=False)
    pred = np.repeat(split.listener[:, None], n_samples, axis=1)
    return write_submission(tmp / "sub", pred, split.speaker_paths, "test", method="m",
                            dataset_fingerprint=split.fingerprint)


def submission_case(edit: Callable[[Path], None], *extra: str, n_samples: int = 2) -> Callable[[Path], list[str]]:
    def build(tmp: Path) -> list[str]:
        root = tiny(tmp)
        sub = valid_submission(tmp, root, n_samples)
        edit(sub)
        return ["score", str(sub), "--data", str(root), "--no-fid", "--device", "cpu", *extra]
    return build


def first_npy(sub: Path) -> Path:
    return sorted((sub / "test").rglob("*.npy"))[0]


def edit_meta(**changes) -> Callable[[Path], None]:
    def edit(sub: Path) -> None:
        meta = json.loads((sub / "submission.json").read_text())
        meta.update(changes)
        (sub / "submission.json").write_text(json.dumps(meta))
    return edit


def pth_without_metadata(sub: Path) -> None:
    for file in sorted((sub / "test").rglob("*.npy")):
        folder = file.with_suffix("")
        folder.mkdir(parents=True)
        for j, sample in enumerate(np.load(file)):
            torch.save(torch.from_numpy(sample.copy()), folder / f"result-{j}.pth")
        file.unlink()
    (sub / "submission.json").unlink()


def run_argv(*extra: str) -> Callable[[Path], list[str]]:
    def build(tmp: Path) -> list[str]:
        return ["run", "B_Mime", "--data", str(tiny(tmp)), "--no-fid", *extra]
    return build


def resume_case(checkpoint: bytes | None, request: dict | None, *extra: str) -> Callable[[Path], list[str]]:
    """A run folder `r1` (a checkpoint's bytes, a recorded request), then `run B_Mime --resume r1`."""
    def build(tmp: Path) -> list[str]:
        run_dir = tmp / "work" / "runs" / "r1"
        run_dir.mkdir(parents=True)
        if checkpoint is not None:
            (run_dir / "checkpoint.pt").write_bytes(checkpoint)
        if request is not None:
            (run_dir / "request.json").write_text(json.dumps(request))
        return run_argv("--resume", "r1", *extra)(tmp)
    return build


B_MIME_REQUEST = {"method": "B_Mime", "seed": 0, "split": "test", "n_samples": 10,
                  "data": {"name": "data", "profile": None, "root": "data"}, "method_config": {}, "architecture": None}


def cut_case(missing: str) -> Callable[[Path], list[str]]:
    def build(tmp: Path) -> list[str]:
        files = {"global": tmp / "global.npy", "indices": tmp / "data_indices.csv", "split-csv": tmp / "val.csv"}
        np.save(files["global"], np.eye(4, dtype=np.uint8))
        files["indices"].write_text("site,chat_index,clip_index\nNoXI,1,1\nNoXI,1,2\n")
        files["split-csv"].write_text(",speaker_path,listener_path\n0,NoXI/1/Expert_video/1,NoXI/1/Novice_video/1\n")
        if missing == "global-text":
            files["global"].write_text("not a matrix")
        else:
            files[missing].unlink()
        return ["appropriateness", "cut", "--global", str(files["global"]), "--indices", str(files["indices"]),
                "--split-csv", str(files["split-csv"]), "--out", str(tmp / "out" / "m.npy")]
    return build


def render_case(clip: str) -> Callable[[Path], list[str]]:
    def build(tmp: Path) -> list[str]:
        root = tiny(tmp)
        return ["render", str(valid_submission(tmp, root)), "--data", str(root), "--clip", clip,
                "--out", str(tmp / "out" / "r.gif")]
    return build


def corrupt_store(tmp: Path) -> list[str]:
    store = tmp / "work" / "leaderboard" / "results" / "X" / "r"
    store.mkdir(parents=True)
    (store / "test.json").write_text("{broken")
    return ["leaderboard", "--strict"]


def made_on_other_data(tmp: Path) -> list[str]:
    """A react-bench run's submission made with --data, checked without --data: named, and no
    synthetic dataset is generated to fail against."""
    sub = valid_submission(tmp, tiny(tmp))
    edit_meta(description="react-bench run B_Mime seed=0 data=mydata run=r1")(sub)
    return ["submission", "check", str(sub)]


def run_without_matrix(tmp: Path) -> list[str]:
    """Real data whose test split has no appropriateness matrix: refused before fitting."""
    root = tiny(tmp)
    (root / "neighbour_emotion_test.npy").unlink()
    return ["run", "UNet", "--data", str(root), "--no-fid", "--config", '{"profile": "smoke"}']


def synth_into_a_full_folder(tmp: Path) -> list[str]:
    (tmp / "out").mkdir(exist_ok=True)
    (tmp / "out" / "notes.txt").write_text("mine\n")
    return ["data", "synth", "--profile", "smoke", "--out", str(tmp / "out")]


def missing_store(tmp: Path) -> list[str]:
    return ["leaderboard", "--store", str(tmp / "no-such-store"), "--out", str(tmp / "board.md")]


def plain(*argv: str) -> Callable[[Path], list[str]]:
    return lambda tmp: list(argv)


def text_file(path_of: Callable[[Path], Path]) -> Callable[[Path], None]:
    return lambda root: path_of(root).write_text("1,2,3\n")


def object_npy(path_of: Callable[[Path], Path], payload: bytes = b"\x80\x04junk",
               shape: tuple[int, ...] = (1,)) -> Callable[[Path], None]:
    """A .npy whose header declares Python objects (dtype |O): what a pickled array looks like.
    The payload is junk, so nothing here ever pickles or unpickles."""
    def write(root: Path) -> None:
        with open(path_of(root), "wb") as handle:
            np.lib.format.write_array_header_1_0(handle, {"descr": "|O", "fortran_order": False, "shape": shape})
            handle.write(payload)
    return write


NAN = np.full((4, 4), np.nan)
EYE = np.eye(4, dtype=np.uint8)
ASYM_EMPTY = EYE.copy()
ASYM_EMPTY[1, 1] = 0

CASES = [
    # data
    Case("data-folder-missing", "data", lambda tmp: info(tmp / "nowhere"), 1, "dataset folder not found"),
    Case("data-and-profile", "data", lambda tmp: info(tiny(tmp), "--profile", "smoke"), 1, "not both"),
    Case("split-csv-missing", "data", lambda tmp: ["data", "info", "--data", str(tiny(tmp)), "--split", "val"], 1,
         "split file not found"),
    Case("split-csv-bad-header", "data", with_tiny(lambda r: rewrite_lines(r / "test.csv", lambda l: ["a,b"] + l[1:])),
         1, "expected header"),
    Case("split-csv-row-cut", "data", with_tiny(lambda r: rewrite_lines(r / "test.csv", lambda l: l[:-1] + ["1,Synth"])),
         1, "test.csv:3"),
    Case("split-csv-duplicate-person", "data",
         with_tiny(lambda r: rewrite_lines(r / "test.csv", lambda l: l[:2] + [l[1].replace("0,", "1,", 1)])),
         1, "more than once"),
    Case("emotion-missing", "data", with_tiny(lambda r: emotion(r).unlink()), 1, "Emotion file not found"),
    Case("emotion-wrong-columns", "data",
         with_tiny(lambda r: rewrite_lines(emotion(r), lambda l: [x.rsplit(",", 1)[0] for x in l])), 1,
         "expected 25 columns"),
    Case("emotion-wrong-rows", "data",
         with_tiny(lambda r: rewrite_lines(emotion(r), lambda l: l[:500])), 1, "751 or 750 data rows"),
    Case("emotion-non-numeric", "data", with_tiny(set_value(10, 3, "abc")), 1, "not a numeric Emotion CSV"),
    Case("emotion-empty-cell", "data", with_tiny(set_value(10, 3, "")), 1, "data row 11"),
    Case("emotion-nan", "data", with_tiny(set_value(20, 15, "nan")), 1, "column 'valence'"),
    Case("emotion-last-row-cut", "data", with_tiny(lambda r: cut_last_row(emotion(r))), 1, "data row 751"),
    Case("emotion-not-text", "data", with_tiny(lambda r: emotion(r).write_bytes(b"\x00\xff" * 100)), 1,
         "Emotion"),
    Case("features-missing", "data", with_tiny(lambda r: video(r).unlink()), 1, "video feature files missing"),
    Case("features-text-as-npy", "data", with_tiny(text_file(video)), 1, "not a valid .npy file"),
    Case("features-pickled-object", "data", with_tiny(object_npy(video)), 1, "never unpickles"),
    Case("features-too-few-frames", "data", with_tiny(lambda r: np.save(video(r), np.zeros((100, 6), np.float32))),
         1, "at least 750 frames"),
    Case("features-nan", "data", with_tiny(lambda r: np.save(video(r), np.full((751, 6), np.nan, np.float32))),
         1, "NaN"),
    Case("features-pth-not-tensor", "data",
         with_tiny(lambda r: (video(r).unlink(), torch.save({"x": 1}, video(r).with_suffix(".pth")))), 1,
         "expected one tensor"),
    # appropriateness matrices
    Case("matrix-text-as-npy", "matrix", matrix_case("0,1\n1,0\n"), 2, "not a valid .npy file"),
    Case("matrix-wrong-size", "matrix", matrix_case(np.eye(6, dtype=np.uint8)), 2, "does not match"),
    Case("matrix-not-binary", "matrix", matrix_case(EYE * 2), 2, "not 0/1"),
    Case("matrix-nan", "matrix", matrix_case(NAN), 2, "not 0/1"),
    Case("matrix-bad-diagonal", "matrix", matrix_case(ASYM_EMPTY), 2, "diagonal"),
    Case("matrix-3d", "matrix", matrix_case(np.zeros((4, 4, 1))), 2, "square 2-d"),
    Case("matrix-report-odd-size", "matrix", matrix_case(np.eye(7, dtype=np.uint8), "report"), 2, "odd"),
    Case("matrix-report-text", "matrix", matrix_case("hello", "report"), 2, "not a valid .npy file"),
    Case("matrix-report-missing", "matrix", lambda tmp: ["appropriateness", "report", str(tmp / "no.npy")], 1,
         "not found"),
    Case("cut-indices-missing", "matrix", cut_case("indices"), 1, "data_indices CSV not found"),
    Case("cut-split-csv-missing", "matrix", cut_case("split-csv"), 1, "split CSV not found"),
    Case("cut-global-missing", "matrix", cut_case("global"), 1, "not found"),
    Case("cut-global-text", "matrix", cut_case("global-text"), 2, "not a valid .npy file"),
    # submissions
    Case("submission-missing-folder", "submission", lambda tmp: ["score", str(tmp / "none"), "--data",
                                                                 str(tiny(tmp)), "--no-fid"], 2, "not found"),
    Case("submission-missing-file", "submission", submission_case(lambda s: first_npy(s).unlink()), 2, "missing"),
    Case("submission-wrong-shape", "submission",
         submission_case(lambda s: np.save(first_npy(s), np.zeros((2, 750, 24), np.float32))), 2, "shape"),
    Case("submission-nan", "submission",
         submission_case(lambda s: np.save(first_npy(s), np.full((2, 750, 25), np.nan, np.float32))), 2, "nan"),
    Case("submission-object-npy", "submission", submission_case(object_npy(first_npy)), 2, "npy"),
    # a pickled float array of the right shape is larger than the size limit: the cause is the pickle
    Case("submission-object-npy-large", "submission",
         submission_case(object_npy(first_npy, b"\x80\x04" + bytes(2_000_000), (2, 750, 25))), 2, "pickled"),
    Case("submission-text-as-npy", "submission", submission_case(text_file(first_npy)), 2, "npy"),
    Case("submission-json-malformed", "submission",
         submission_case(lambda s: (s / "submission.json").write_text("{oops")), 2, "submission.json"),
    Case("submission-json-wrong-split", "submission", submission_case(edit_meta(split="val")), 2, "split"),
    Case("submission-json-bad-count", "submission", submission_case(edit_meta(n_samples=3)), 2, "3"),
    Case("submission-pth-no-method", "submission", submission_case(pth_without_metadata, n_samples=10), 1,
         "--method"),
    # options and usage
    Case("device-unknown", "options", run_argv("--device", "tpu"), 1, "unknown device 'tpu'"),
    Case("fid-weights-missing-run", "options", lambda tmp: ["run", "B_Mime", "--data", str(tiny(tmp)),
                                                            "--fid-weights", str(tmp / "w.pt")], 1,
         "--fid-weights file not found"),
    Case("fid-weights-missing-score", "options",
         lambda tmp: ["score", str(tmp), "--profile", "smoke", "--fid-weights", str(tmp / "w.pt")], 1,
         "--fid-weights file not found"),
    Case("split-unknown", "options", plain("data", "info", "--profile", "smoke", "--split", "foo"), 1,
         "'train', 'val', 'test'"),
    Case("profile-unknown", "options", plain("run", "B_Mime", "--profile", "nosuch"), 1, "'smoke', 'small', 'paper'"),
    Case("seed-not-a-number", "options", plain("run", "B_Mime", "--seed", "abc"), 1, "--seed"),
    Case("unknown-option", "options", plain("score", "x", "--frobnicate"), 1, "no such option"),
    Case("unknown-command", "options", plain("frobnicate"), 1, "no such command"),
    Case("config-not-json", "options", run_argv("--config", "{x"), 1, "not valid JSON"),
    Case("config-not-object", "options", run_argv("--config", "[1]"), 1, "JSON object"),
    Case("config-unknown-key", "options", run_argv("--config", '{"foo": 1}'), 1, "does not take config key"),
    Case("method-unknown", "options", lambda tmp: ["run", "B_Mim", "--data", str(tiny(tmp))], 1,
         "did you mean 'b_mime'"),
    Case("resume-unknown-run", "options", run_argv("--resume", "no-such-run"), 1, "cannot resume"),
    Case("resume-corrupt-checkpoint", "options", resume_case(b"not a checkpoint", None), 1, "corrupt or unreadable"),
    Case("resume-empty-checkpoint", "options", resume_case(b"", B_MIME_REQUEST), 1, "corrupt or unreadable"),
    Case("resume-other-seed", "options", resume_case(None, B_MIME_REQUEST, "--seed", "3"), 1,
         "it was started with seed 0 (this command: 3)"),
    # a hand-edited request.json: a refusal, never a traceback
    Case("resume-request-data-not-object", "options",
         resume_case(None, {**B_MIME_REQUEST, "data": "foo", "outputs": [1]}), 1, "cannot resume run r1"),
    Case("resume-request-root-not-text", "options",
         resume_case(None, {**B_MIME_REQUEST, "data": {"name": "x", "root": 5}}), 1, "started on data 'x'"),
    Case("config-wrong-type", "options", lambda tmp: ["run", "UNet", "--data", str(tiny(tmp)), "--no-fid",
                                                      "--config", '{"epochs": "2"}'], 1, "epochs must be an integer"),
    Case("config-bad-rate", "options", lambda tmp: ["run", "UNet", "--data", str(tiny(tmp)), "--no-fid",
                                                    "--config", '{"lr": -1}'], 1, "lr must be a positive learning rate"),
    Case("render-clip-out-of-range", "options", render_case("99"), 1, "0..3"),
    Case("render-clip-unknown-path", "options", render_case("Synth/S999/P1/1"), 1, "unknown clip"),
    Case("store-corrupt-strict", "options", corrupt_store, 1, "not results"),
    Case("store-missing", "options", missing_store, 1, "no results store at"),
    Case("synth-out-not-empty", "options", synth_into_a_full_folder, 1, "never written over another"),
    Case("run-split-without-matrix", "options", run_without_matrix, 1, "give --no-score"),
    Case("submission-made-on-other-data", "submission", made_on_other_data, 1, "give that dataset with --data"),
]


@pytest.fixture
def work(tmp_path, monkeypatch):
    out = tmp_path / "work"
    for name, rel in (("SUBMISSIONS", "submissions"), ("RUNS", "runs"), ("RESULTS", "leaderboard/results"),
                      ("LEADERBOARD", "leaderboard/LEADERBOARD.md")):
        monkeypatch.setenv(f"REACT_BENCH_{name}", str(out / rel))
    monkeypatch.setenv("REACT_BENCH_CACHE", str(tmp_path.parent / "react-bench-test-cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _snapshot(tmp: Path) -> set[str]:
    """Every file the harness could write: its outputs, `--out` targets, the submission folder."""
    roots = [tmp / "work", tmp / "out", tmp / "sub"]
    return {str(p.relative_to(tmp)) + f":{p.stat().st_size}:{p.stat().st_mtime_ns}"
            for root in roots if root.exists() for p in root.rglob("*")
            if p.is_file() and p.name != ".lock"}    # the store's empty lock file holds no data


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_clean(case: Case, work: Path, capfd):
    argv = case.build(work)
    capfd.readouterr()
    before = _snapshot(work)
    code = run_cli(argv)
    out, err = capfd.readouterr()
    text = out + err
    assert code == case.code, text
    assert "Traceback" not in text
    assert case.message.lower() in text.lower(), text
    assert _snapshot(work) == before, "bad input must write nothing"


def test_json_errors_go_to_stdout_with_a_nonzero_code(work, capfd):
    code = run_cli(["data", "info", "--data", str(work / "nowhere"), "--json"])
    out, err = capfd.readouterr()
    payload = json.loads(out)
    assert code == 1 and payload["ok"] is False and payload["exit_code"] == 1 and "not found" in payload["error"]
    assert err == ""


def test_cuda_requested_without_cuda_leaves_nothing(work, capfd):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code = run_cli(["run", "B_Mime", "--profile", "smoke", "--device", "cuda", "--no-fid"])
    out, err = capfd.readouterr()
    assert code == 1 and "CUDA is not available" in err and "fit" not in out
    assert not (work / "work").exists() or not any((work / "work").rglob("*"))


def test_asymmetric_matrix_is_scored_with_a_warning(work, capfd):
    root = tiny(work)
    matrix = np.eye(4, dtype=np.uint8)
    matrix[0, 1] = 1
    np.save(root / "neighbour_emotion_test.npy", matrix)
    sub = valid_submission(work, root)
    assert run_cli(["appropriateness", "report", str(root / "neighbour_emotion_test.npy")]) == 0
    assert "not symmetric" in capfd.readouterr().out
    assert run_cli(["score", str(sub), "--data", str(root), "--no-fid", "--device", "cpu", "--no-leaderboard"]) == 0
    out, err = capfd.readouterr()
    assert "warning" in err and "not symmetric" in err and "FRDist" in out


def test_report_without_a_split_names_what_it_could_not_check(work, capfd):
    np.save(work / "m.npy", np.eye(8, dtype=np.uint8))
    assert run_cli(["appropriateness", "report", str(work / "m.npy")]) == 0
    assert "not checked: size against the split" in capfd.readouterr().out


def test_help_lists_choices_and_defaults_and_no_flag_types(capfd):
    assert run_cli(["score", "--help"]) == 0
    out = capfd.readouterr().out
    assert "<bool>" not in out
    assert "train|val|test" in out and "smoke|small|paper" in out and "else test" in out


def test_every_case_is_documented():
    table = DOCS.read_text()
    missing = [c.id for c in CASES if f"`{c.id}`" not in table]
    assert not missing, f"add to docs/bad_input.md: {missing}"
    assert len(CASES) >= 40

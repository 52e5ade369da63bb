"""The CLI end to end on the smoke profile, as `make run` drives it."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from react_bench.cli import app

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Outputs and the data cache go to a tmp folder; the smoke dataset is generated once per session."""
    cache = Path(os.environ.get("REACT_BENCH_TEST_CACHE", tmp_path.parent / "react-bench-test-cache"))
    monkeypatch.setenv("REACT_BENCH_CACHE", str(cache))
    for name, rel in (("SUBMISSIONS", "submissions"), ("RUNS", "runs"), ("RESULTS", "leaderboard/results"),
                      ("LEADERBOARD", "leaderboard/LEADERBOARD.md")):
        monkeypatch.setenv(f"REACT_BENCH_{name}", str(tmp_path / rel))
    return tmp_path


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result


def test_ls_lists_methods_profiles_metrics():
    result = invoke("ls")
    assert result.exit_code == 0
    for word in ("B_Mime", "regnn", "smoke", "paper", "FRDist ↓", "FRCorr ↑"):
        assert word in result.output


def test_unknown_method_gets_a_suggestion(workdir):
    result = invoke("run", "B_Mim", "--profile", "smoke", "--no-fid")
    assert result.exit_code == 1
    assert "Did you mean 'B_Mime'" in result.output


def test_run_score_check_and_leaderboard_on_smoke(workdir):
    result = invoke("run", "B_Mime", "--profile", "smoke", "--no-fid", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "FRDist ↓" in result.output
    stored = list((workdir / "leaderboard" / "results" / "B_Mime").glob("*/test-*.json"))
    assert len(stored) == 1
    record = json.loads(stored[0].read_text())
    for key in ("schema_version", "identity", "react_bench_version", "git_sha", "method", "dataset", "split",
                "n_directions", "n_samples", "scores", "per_sample", "skipped", "timing_s", "device", "date",
                "fid_weights_sha256", "seed", "predictions_sha256", "weights_sha256"):
        assert key in record, key
    assert len(record["predictions_sha256"]) == 64 and record["weights_sha256"] is None  # B_Mime saves no model
    assert record["n_directions"] == 8 and record["skipped"]["FRRea"]
    board = (workdir / "leaderboard" / "LEADERBOARD.md").read_text()
    assert "B_Mime" in board

    # results record the submission path portably: relative to the working directory, else its last
    # two parts (here: submissions/<run-id> under the test's output folder)
    assert not Path(record["submission"]).is_absolute()
    submission = workdir / record["submission"]
    assert invoke("submission", "check", str(submission), "--profile", "smoke").exit_code == 0
    # the run's own submission has the same identity: scoring it again is a no-op that says so
    again = invoke("score", str(submission), "--profile", "smoke", "--no-fid", "--device", "cpu")
    assert again.exit_code == 0 and "already scored" in again.output and "--replace" in again.output
    assert json.loads(stored[0].read_text()) == record
    scored = invoke("score", str(submission), "--profile", "smoke", "--no-fid", "--json", "--device", "cpu",
                    "--replace")
    assert scored.exit_code == 0, scored.output
    rescored = json.loads(scored.output)
    assert rescored["scores"]["FRDist"] == pytest.approx(record["scores"]["FRDist"], rel=1e-9)
    assert rescored["predictions_sha256"] == record["predictions_sha256"]
    # the same folder filed under another name is a new result, not a replacement
    renamed = invoke("score", str(submission), "--profile", "smoke", "--no-fid", "--device", "cpu",
                     "--method", "Mime_again", "--run-id", "x1", "--no-leaderboard")
    assert renamed.exit_code == 0, renamed.output
    assert len(list((workdir / "leaderboard" / "results").glob("*/*/test-*.json"))) == 2

    # a broken submission: exit code 2, nothing written
    broken = workdir / "broken"
    shutil.copytree(submission, broken)
    victim = next((broken / "test").rglob("*.npy"))
    victim.unlink()
    before = sorted((workdir / "leaderboard" / "results").rglob("*"))
    bad = invoke("score", str(broken), "--profile", "smoke", "--no-fid")
    assert bad.exit_code == 2 and "missing" in bad.output.lower()
    assert sorted((workdir / "leaderboard" / "results").rglob("*")) == before


@pytest.mark.slow
def test_make_run_end_to_end_on_smoke(workdir):
    """`make run` with the smoke profile (the venv exists already when tests run through make)."""
    if not (REPO / ".venv" / ".installed").is_file() or shutil.which("make") is None:
        pytest.skip("make run needs the installed .venv (run the tests through `make test`)")
    env = dict(os.environ, ARGS="--profile smoke --no-fid --device cpu")
    done = subprocess.run(["make", "-s", "-C", str(REPO), "run"], env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FRCorr ↑" in done.stdout
    assert list((workdir / "leaderboard" / "results").rglob("test-*.json"))


def test_committed_example_checks_scores_and_renders(workdir):
    example = REPO / "submissions" / "example"
    assert invoke("submission", "check", str(example), "--profile", "smoke").exit_code == 0
    scored = invoke("score", str(example), "--profile", "smoke", "--no-fid", "--json", "--device", "cpu")
    assert scored.exit_code == 0, scored.output
    result = json.loads(scored.output)
    assert result["method"] == "B_Random" and result["n_samples"] == 2
    assert result["scores"]["FRDiv"] == pytest.approx(1 / 6, abs=0.01)
    assert invoke("submission", "check", str(example)).exit_code == 0      # its submission.json names smoke
    other = workdir / "other-data"
    shutil.copytree(example, other)
    meta = json.loads((other / "submission.json").read_text())
    (other / "submission.json").write_text(json.dumps({**meta, "dataset_fingerprint": "f" * 64}))
    warned = invoke("score", str(other), "--no-fid", "--device", "cpu")
    assert warned.exit_code == 0 and "warning: dataset fingerprint mismatch" in warned.output, warned.output
    gif = workdir / "reaction.gif"
    rendered = invoke("render", str(example), "--profile", "smoke", "--clip", "0", "--out", str(gif),
                      "--frame-step", "25")
    assert rendered.exit_code == 0, rendered.output
    from PIL import Image

    with Image.open(gif) as image:
        assert image.n_frames == 30 and image.width > image.height    # speaker + 2 reactions side by side
    bad = invoke("render", str(example), "--profile", "smoke", "--clip", "Synth/S999/P1/1", "--out", str(gif))
    assert bad.exit_code == 1 and "unknown clip" in bad.output


def test_regnn_runs_and_resumes_through_the_cli(workdir):
    first = invoke("run", "regnn", "--profile", "smoke", "--no-fid", "--device", "cpu", "--json")
    assert first.exit_code == 0, first.output
    record = json.loads(first.output[first.output.index("{"):])
    assert record["method_config"]["profile"] == "smoke"        # training profile follows the data
    assert len(record["weights_sha256"]) == 64 and len(record["predictions_sha256"]) == 64
    run_dir = workdir / "runs" / record["run_id"]
    for name in ("config.json", "losses.json", "training_curve.png", "checkpoint.pt", "run.json"):
        assert (run_dir / name).is_file(), name
    again = invoke("run", "regnn", "--profile", "smoke", "--no-fid", "--device", "cpu", "--json",
                   "--resume", record["run_id"])
    assert again.exit_code == 0, again.output
    resumed = json.loads(again.output[again.output.index("{"):])
    assert resumed["scores"]["FRDist"] == record["scores"]["FRDist"]   # same seed, finished run: same result
    missing = invoke("run", "regnn", "--profile", "smoke", "--no-fid", "--resume", "no-such-run")
    assert missing.exit_code == 1 and "cannot resume" in missing.output


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_resume_must_ask_for_what_the_run_was_started_with(workdir):
    """A run records its request (runs/<id>/request.json). A resume that asks for another method, seed
    or config is refused before it writes anything, and names the command that resumes; that command
    works, and the resumed run's saved model (weights_sha256) is the uninterrupted one's. A corrupt
    checkpoint is refused the same way."""
    import shlex

    first = invoke("run", "DyadGAN", "--profile", "smoke", "--no-fid", "--device", "cpu", "--seed", "2",
                   "--config", '{"epochs": 1}', "--json")
    assert first.exit_code == 0, first.output
    record = json.loads(first.output[first.output.index("{"):])
    run_dir = workdir / "runs" / record["run_id"]
    assert json.loads((run_dir / "request.json").read_text())["seed"] == 2
    before = _files(run_dir)
    for extra, phrase in ((["--seed", "5"], "seed 2 (this command: 5)"),
                          (["--seed", "2", "--config", "{}"], "config epochs 1 (this command: 2)"),
                          (["--seed", "2", "--config", '{"epochs": 1, "z_dim": 4}'], "config z_dim 8 (this command: 4)")):
        refused = invoke("run", "DyadGAN", "--profile", "smoke", "--no-fid", "--resume", record["run_id"], *extra)
        assert refused.exit_code == 1 and phrase in refused.output, refused.output
        assert _files(run_dir) == before, "a refused resume must write nothing"
    other = invoke("run", "UNet", "--profile", "smoke", "--no-fid", "--resume", record["run_id"])
    assert other.exit_code == 1 and "method 'DyadGAN' (this command: 'UNet')" in other.output
    assert _files(run_dir) == before
    command = " ".join(refused.output.split("Resume it with: ")[1].split())
    assert command == (f"react-bench run DyadGAN --resume {record['run_id']} --profile smoke --seed 2 "
                       "--config '{\"epochs\":1}' --no-fid")
    again = invoke(*shlex.split(command)[1:], "--device", "cpu", "--json")
    assert again.exit_code == 0, again.output
    assert "checkpoints found (training: 1 epoch(s) done)" in again.output
    resumed = json.loads(again.output[again.output.index("{"):])
    assert resumed["predictions_sha256"] == record["predictions_sha256"]
    assert resumed["weights_sha256"] == record["weights_sha256"]      # "resume" is no part of the saved model
    broken = workdir / "runs" / "broken"
    shutil.copytree(run_dir, broken)
    (broken / "checkpoint.pt").write_bytes((run_dir / "checkpoint.pt").read_bytes()[:500])
    kept = _files(broken)
    corrupt = invoke(*shlex.split(command.replace(record["run_id"], "broken"))[1:], "--no-fid")
    assert corrupt.exit_code == 1 and "corrupt or unreadable" in corrupt.output and "Traceback" not in corrupt.output
    assert _files(broken) == kept
    # an older run folder (no request.json): a resume with the wrong config is refused by the
    # checkpoint's own config, and records no request that would then refuse the right command
    (run_dir / "request.json").unlink()
    wrong = invoke("run", "DyadGAN", "--profile", "smoke", "--no-fid", "--seed", "2", "--resume", record["run_id"])
    assert wrong.exit_code == 1 and "differs in ['epochs']" in wrong.output
    assert "records no --split, --config, --score/--no-score, --leaderboard/--no-leaderboard" in wrong.output
    assert not (run_dir / "request.json").exists()
    assert invoke(*shlex.split(command)[1:], "--no-fid", "--device", "cpu").exit_code == 0


def test_a_resume_takes_the_options_it_was_started_with(workdir, monkeypatch):
    """`run M --resume ID` alone continues run ID on its recorded data, split, seed and config; a
    resume that names other data is refused before that data is generated; the refused command's
    data fingerprint is compared, not only the folder name."""
    import react_bench.pipeline as pipeline

    first = invoke("run", "DyadGAN", "--profile", "smoke", "--no-fid", "--no-leaderboard", "--device", "cpu",
                   "--seed", "3", "--split", "val", "--config", '{"epochs": 1}', "--json")
    assert first.exit_code == 0, first.output
    record = json.loads(first.output[first.output.index("{"):])
    run_dir = workdir / "runs" / record["run_id"]
    board = workdir / "leaderboard" / "LEADERBOARD.md"
    assert not board.exists()
    before = _files(run_dir)
    generated = []
    real = pipeline.default_dataset_root
    monkeypatch.setattr(pipeline, "default_dataset_root",
                        lambda profile, *a, **k: generated.append(profile) or real(profile, *a, **k))
    refused = invoke("run", "DyadGAN", "--profile", "small", "--no-fid", "--resume", record["run_id"])
    assert refused.exit_code == 1 and "started on data 'synth-smoke-seed0'" in refused.output, refused.output
    assert "Resume it with: react-bench run DyadGAN --resume" in refused.output
    assert generated == [] and _files(run_dir) == before
    again = invoke("run", "DyadGAN", "--resume", record["run_id"], "--no-fid", "--device", "cpu", "--json")
    assert again.exit_code == 0, again.output
    resumed = json.loads(again.output[again.output.index("{"):])
    assert (resumed["split"], resumed["seed"]) == ("val", 3) and generated == ["smoke"]
    assert resumed["predictions_sha256"] == record["predictions_sha256"]
    assert resumed["weights_sha256"] == record["weights_sha256"]
    # --no-fid and --no-leaderboard held too: the same result identity (one stored result), no board
    assert resumed["skipped"]["FRRea"] and resumed["identity"] == record["identity"]
    assert len(list((workdir / "leaderboard" / "results").rglob("val-*.json"))) == 1 and not board.exists()
    # the same data name with other contents (a real-data folder edited since) is refused
    request = json.loads((run_dir / "request.json").read_text())
    assert request["data"]["fingerprint"] and request["data"]["train_fingerprint"]
    for key, what in (("fingerprint", "its val split"), ("train_fingerprint", "its train split")):
        edited = {**request, "data": {**request["data"], key: "0" * 64}}
        (run_dir / "request.json").write_text(json.dumps(edited))
        changed = invoke("run", "DyadGAN", "--resume", record["run_id"])
        assert changed.exit_code == 1 and f"{what} has fingerprint" in changed.output, changed.output
        assert "Restore the data it was started on" in changed.output      # no command resumes it


def test_the_resume_command_names_the_registered_method():
    """A REGNN variant calls itself regnn-video-only; `react-bench run` knows it as regnn."""
    from react_bench.pipeline import DataSource, _registered_name, build_method, resume_command, run_request

    method = build_method("regnn", "smoke", {"variant": "video_only"})
    assert method.name != "regnn"
    request = run_request(method, method.name, _registered_name("regnn"), DataSource(Path("d"), "synth-smoke-seed0",
                          "smoke"), "val", 3, 10, {"variant": "video_only"})
    assert resume_command(request, "r1") == ("react-bench run regnn --resume r1 --profile smoke --split val --seed 3 "
                                             "--config '{\"variant\":\"video_only\"}'")


def test_score_and_render_find_the_profile_a_submission_was_made_on(workdir, monkeypatch):
    """Without --data or --profile, a react-bench run's submission is read against the synthetic
    profile its submission.json names (smoke here; the default would be small); render refuses an
    output that is no .gif and a frame step below 1 before any work."""
    made = invoke("run", "B_Mime", "--profile", "smoke", "--no-score")
    assert made.exit_code == 0, made.output
    submission = next((workdir / "submissions").iterdir())
    checked = invoke("submission", "check", str(submission))
    assert checked.exit_code == 0, checked.output
    scored = invoke("score", str(submission), "--no-fid", "--json", "--device", "cpu", "--replace")
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.output[scored.output.index("{"):])["dataset"]["name"] == "synth-smoke-seed0"
    # an outside submission: no react-bench description, only the fingerprint, which a cached dataset has
    outside = workdir / "outside"
    shutil.copytree(submission, outside)
    meta = json.loads((outside / "submission.json").read_text())
    meta["description"] = "my method"
    (outside / "submission.json").write_text(json.dumps(meta))
    checked = invoke("submission", "check", str(outside))
    assert checked.exit_code == 0 and "synthetic profile smoke (from submission.json's dataset_fingerprint)" \
        in checked.output, checked.output
    meta["dataset_fingerprint"] = "0" * 64                  # no dataset here has it: the default, said so
    (outside / "submission.json").write_text(json.dumps(meta))
    import react_bench.pipeline as pipeline

    real, smoke_root = pipeline.default_dataset_root, pipeline.default_dataset_root("smoke")
    monkeypatch.setattr(pipeline, "default_dataset_root", lambda *a, **k: smoke_root)   # no small world here
    next(outside.rglob("*.npy")).unlink()
    checked = invoke("submission", "check", str(outside))
    assert checked.exit_code == 2 and "the default (submission.json names no dataset" in checked.output
    assert "missing" in checked.output and "dataset fingerprint mismatch" in checked.output   # with the problems
    monkeypatch.setattr(pipeline, "default_dataset_root", real)
    # and the split it declares
    val = invoke("run", "B_Mime", "--profile", "smoke", "--split", "val", "--no-score")
    assert val.exit_code == 0, val.output
    val_dir = next(p for p in (workdir / "submissions").iterdir() if "-val-" in p.name)
    assert invoke("submission", "check", str(val_dir)).exit_code == 0
    gif = workdir / "mime.gif"
    rendered = invoke("render", str(submission), "--clip", "0", "--out", str(gif), "--frame-step", "50")
    assert rendered.exit_code == 0 and gif.is_file(), rendered.output
    png = invoke("render", str(submission), "--clip", "0", "--out", str(workdir / "mime.png"))
    assert png.exit_code == 1 and "give --out a .gif name" in png.output and not (workdir / "mime.png").exists()
    from react_bench.cli import run_cli

    assert run_cli(["render", str(submission), "--clip", "0", "--out", str(gif), "--frame-step", "0"]) == 1


def test_an_experiment_table_with_nothing_stored_keeps_the_tables_there(workdir):
    out = workdir / "experiments"
    out.mkdir()
    (out / "table2.md").write_text("the tables of an earlier run\n")
    empty = invoke("experiment", "table", "table2", "--profile", "smoke", "--out", str(out))
    assert empty.exit_code == 1 and "none of its" in empty.output and "nothing written" in empty.output
    assert sorted(p.name for p in out.iterdir()) == ["table2.md"]
    assert (out / "table2.md").read_text() == "the tables of an earlier run\n"


def test_an_unknown_compile_mode_is_refused_before_any_work(workdir, monkeypatch):
    monkeypatch.setenv("REACT_BENCH_COMPILE", "off")       # undone after the test: the CLI sets it in-process
    bad = invoke("run", "DyadGAN", "--profile", "smoke", "--no-fid", "--compile", "fastest")
    assert bad.exit_code == 1 and "unknown compile mode 'fastest'" in bad.output
    assert not (workdir / "runs").exists() or not any((workdir / "runs").iterdir())
    graphs = invoke("run", "DyadGAN", "--profile", "smoke", "--no-fid", "--device", "cpu", "--compile", "cuda-graphs")
    assert graphs.exit_code == 1 and "cuda-graphs needs a CUDA device (this run is on cpu)" in graphs.output
    assert not (workdir / "runs").exists() or not any((workdir / "runs").iterdir())
    runner = invoke("experiment", "run", "table1", "--profile", "smoke", "--seeds", "0", "--device", "cpu",
                    "--compile", "cuda-graphs")
    assert runner.exit_code == 1 and "cuda-graphs needs a CUDA device" in runner.output
    assert not (workdir / "runs").exists() or not any((workdir / "runs").iterdir())


def test_appropriateness_commands(workdir):
    report = invoke("appropriateness", "report", "--profile", "smoke", "--split", "test", "--json")
    assert report.exit_code == 0, report.output
    payload = json.loads(report.output)
    assert payload["ok"] and payload["n"] == 8
    out = workdir / "built.npy"
    built = invoke("appropriateness", "build", "--profile", "smoke", "--split", "test", "--out", str(out))
    assert built.exit_code == 0, built.output
    assert out.is_file() and "precision" in built.output
    # the smoke test split's truth has no off-diagonal pair: a recall of 0/0 is no 1.000
    assert "recall n/a (the truth has none)" in built.output and "(excluding its own)" in built.output
    import numpy as np

    np.save(workdir / "bad.npy", np.full((3, 3), 2, np.uint8))
    bad = invoke("appropriateness", "report", str(workdir / "bad.npy"), "--json")
    assert bad.exit_code == 2 and not json.loads(bad.output)["ok"]


def test_bad_inputs_give_clean_errors(workdir):
    unknown_key = invoke("run", "B_Mime", "--profile", "smoke", "--no-fid", "--config", '{"foo": 1}')
    assert unknown_key.exit_code == 1 and "does not take config key(s) ['foo']" in unknown_key.output
    bad_value = invoke("run", "regnn", "--profile", "smoke", "--no-fid", "--config", '{"layers": "x"}')
    assert bad_value.exit_code == 1 and "cannot build method 'regnn'" in bad_value.output
    missing = invoke("score", str(workdir / "nowhere"), "--profile", "smoke", "--no-fid")
    assert missing.exit_code == 2 and missing.output.count("not found") == 1   # listed once
    assert invoke("score", str(workdir), "--data", str(workdir / "no-data")).exit_code == 1


def test_ctrl_c_during_training_says_how_to_resume(workdir, monkeypatch, capfd):
    from baselines.naive import MimeBaseline
    from react_bench.cli import run_cli

    def interrupted_fit(self, train, val=None, *, seed=0, device="cpu", run_dir=None, **kwargs):
        (Path(run_dir) / "checkpoint.pt").write_bytes(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(MimeBaseline, "fit", interrupted_fit)
    code = run_cli(["run", "B_Mime", "--profile", "smoke", "--no-fid", "--device", "cpu", "--seed", "4"])
    err = capfd.readouterr().err
    assert code == 130 and "interrupted; resume with: react-bench run B_Mime --resume B_Mime-" in err
    run_id = err.split("--resume ")[1].split()[0]
    assert f"--resume {run_id} --profile smoke --seed 4" in err          # what the resume must ask for
    assert (workdir / "runs" / run_id / "checkpoint.pt").is_file()
    assert not (workdir / "submissions").exists() or not any((workdir / "submissions").iterdir())


def test_concurrent_runs_both_store_their_result(workdir):
    """Two `react-bench run B_Mime --profile smoke` started in the same second, a third one second
    later: every run gets its own id, every result is stored, LEADERBOARD.md lists all three."""
    import sys
    import time

    invoke("data", "synth", "--profile", "smoke")                     # generate the data once, first
    command = [sys.executable, "-c", "from react_bench.cli import main; main()", "run", "B_Mime",
               "--profile", "smoke", "--no-fid", "--device", "cpu"]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    time.sleep(1.0)
    procs.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, out + err
    stored = [json.loads(p.read_text()) for p in (workdir / "leaderboard" / "results").rglob("test-*.json")]
    run_ids = {r["run_id"] for r in stored}
    assert len(stored) == 3 and len(run_ids) == 3
    board = (workdir / "leaderboard" / "LEADERBOARD.md").read_text()
    assert all(run_id in board for run_id in run_ids)


def test_data_diagnose_reports_the_world_and_the_reference_rows(workdir):
    result = invoke("data", "diagnose", "--profile", "smoke", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{"):])
    assert {"GT", "B_Random", "B_Mime"} <= set(report["calibration"])
    assert "constant_columns" in report
    if "reference_rows" in report:                     # worlds with counterfactual ground truth
        assert report["reference_rows"]["Oracle_style"]["Coverage"] == 1.0
        assert 0.0 <= report["partner_share"]["valence_arousal"] <= 1.0


def test_the_paper_on_cpu_warning_is_for_uncut_schedules():
    from react_bench.pipeline import build_method, paper_on_cpu_warning

    paper = build_method("UNet", None, {})
    assert "paper training schedule" in paper_on_cpu_warning(paper, "cpu", {})
    assert paper_on_cpu_warning(paper, "cpu", {"epochs": 1}) is None
    assert paper_on_cpu_warning(paper, "cpu", {"vq_steps_per_epoch": 5}) is None
    assert paper_on_cpu_warning(paper, "cpu", {"diffusion_steps": 5})       # no schedule key: still warned
    assert paper_on_cpu_warning(paper, "cuda", {}) is None
    assert paper_on_cpu_warning(build_method("UNet", "small", {}), "cpu", {}) is None
    assert paper_on_cpu_warning(build_method("B_Mime", None, {}), "cpu", {}) is None


def test_experiment_tables_follow_the_leaderboard_and_keep_another_datasets_table(workdir, monkeypatch):
    """With REACT_BENCH_LEADERBOARD set, the tables go beside it (not into the checkout's
    leaderboard/experiments); a table made on another dataset is not replaced without --overwrite."""
    import yaml

    spec = workdir / "mini.yaml"
    spec.write_text(yaml.safe_dump({"name": "mini", "title": "mini", "profile": "smoke", "seeds": [0],
                                    "groups": [{"name": "A", "rows": [{"label": "Mime", "method": "B_Mime"}]}]}))
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("REACT_BENCH_LEADERBOARD", str(workdir / "boards" / "LEADERBOARD.md"))
    ran = invoke("experiment", "run", str(spec), "--device", "cpu", "--no-frrea")
    assert ran.exit_code == 0, ran.output
    assert not (workdir / "leaderboard" / "experiments").exists()      # not the working directory's default
    tables = workdir / "boards" / "experiments"
    assert (tables / "mini.md").is_file() and (tables / "mini_frcorr_frdist.png").is_file()
    text = (tables / "mini.md").read_text()
    other = text.replace("dataset fingerprint `", "dataset fingerprint `0000", 1)
    (tables / "mini.md").write_text(other)
    for argv in (("experiment", "table", str(spec), "--no-frrea"),
                 ("experiment", "run", str(spec), "--device", "cpu", "--no-frrea")):
        refused = invoke(*argv)
        assert refused.exit_code == 1 and "Give --out another folder, or --overwrite" in refused.output, refused.output
        assert (tables / "mini.md").read_text() == other
    forced = invoke("experiment", "table", str(spec), "--no-frrea", "--overwrite")
    assert forced.exit_code == 0 and (tables / "mini.md").read_text() != other
    custom = workdir / "elsewhere"
    monkeypatch.setenv("REACT_BENCH_EXPERIMENTS", str(custom))
    assert invoke("experiment", "table", str(spec), "--no-frrea").exit_code == 0 and (custom / "mini.md").is_file()
    # seeds beyond the spec's are named, and the command that runs missing ones keeps --seeds
    assert invoke("experiment", "run", str(spec), "--device", "cpu", "--no-frrea", "--seeds", "1").exit_code == 0
    table = invoke("experiment", "table", str(spec), "--no-frrea")
    assert "the store also holds seeds [1] of mini" in table.output, table.output
    partial = invoke("experiment", "table", str(spec), "--no-frrea", "--seeds", "0,5")
    assert "react-bench experiment run " in partial.output and "--seeds 0 5)" in partial.output, partial.output

"""The experiment runner: specs, resumable local runs, a killed job redone, Ray = local, tables."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_test_cache

from react_bench.experiments import builtin_names, load_spec, parse_spec, run_experiment
from react_bench.experiments.spec import SpecError
from react_bench.experiments.tables import Cell, bootstrap_ci, build_rows
from react_bench.methods import METHODS
from react_bench.pipeline import OutputPaths, resolve_data

REPO = Path(__file__).resolve().parents[1]

TINY = {
    "name": "tiny", "title": "tiny", "profile": "smoke", "seeds": [0],
    "groups": [
        {"name": "A", "rows": [{"label": "GT", "method": "GT"}, {"label": "Mime", "method": "B_Mime"},
                               {"label": "REGNN", "method": "regnn"},
                               {"label": "missing method", "method": "Huang_S_not_yet"},
                               {"label": "missing variant", "method": "regnn",
                                "config": {"variant": "no_such_variant"}}]},
        {"name": "B", "rows": [{"label": "REGNN again", "method": "regnn"}]},
    ],
}


class FailingMethod:
    """Registered for these tests only: its fit always fails."""

    name = "Failing_for_tests"

    def fit(self, *args, **kwargs):
        raise RuntimeError("this method always fails")


@pytest.fixture
def failing_method():
    """Registered for one test only (other tests iterate over every registered method)."""
    METHODS.register("Failing_for_tests", FailingMethod, "test-only", tags=())
    yield "Failing_for_tests"
    METHODS._entries.pop("failing_for_tests", None)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return shared_test_cache(tmp_path_factory)


def _paths(root: Path) -> OutputPaths:
    return OutputPaths(root / "submissions", root / "runs", root / "results", root / "LEADERBOARD.md")


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, cache):
    """The tiny experiment run once by the local executor."""
    mp = pytest.MonkeyPatch()
    mp.setenv("REACT_BENCH_CACHE", str(cache))
    root = tmp_path_factory.mktemp("local")
    spec = parse_spec(TINY)
    source = resolve_data(None, "smoke")
    summary = run_experiment(spec, source, paths=_paths(root), log=lambda m: None)
    yield spec, source, root, summary
    mp.undo()


# ------------------------------------------------------------------------------------------ specs
def test_builtin_specs_load_with_the_paper_layout() -> None:
    assert {"table1", "table2", "sens_sigma", "sens_edge_dim", "sens_layers"} <= set(builtin_names())
    table2 = load_spec("table2")
    assert table2.groups == ["Modalities", "AFRDL", "Motor processor", "Edge feature"]
    assert [r.label for r in table2.rows if r.group == "Modalities"] == ["video", "audio", "audio+video"]
    sigma = load_spec("sens_sigma")
    assert [r.config["sigma"] for r in sigma.rows] == sigma.sweep.values
    assert load_spec("table1").auto_tags == {"Reproduced baselines": "baseline"}


@pytest.mark.parametrize("change, words", [
    ({"colour": 1}, "unknown field"), ({"seeds": []}, "seeds"), ({"seeds": [0.5]}, "seeds"),
    ({"metrics": ["FRBogus"]}, "unknown metric"), ({"sweep": {"method": "regnn"}}, "either groups"),
    ({"groups": [{"name": "A", "rows": [{"label": "x", "method": "GT"}, {"label": "x", "method": "B_Mime"}]}]},
     "duplicated"), ({"groups": [{"name": "A", "rows": [{"label": "x"}]}]}, "method"),
    ({"profile": "small", "data": "/x"}, "profile or data"), ({"n_samples": 0}, "n_samples"),
    ({"seeds": [-1]}, "seeds"), ({"name": "../../escaped"}, "names the output files"),
    ({"paper_table": "table9"}, "paper_table"),
    ({"groups": [{"name": "A", "rows": [{"label": "x", "method": "regnn", "conf": {"layers": 1}}]}]},
     r"unknown field\(s\) \['conf'\]"),
    ({"groups": [{"name": "A", "row": []}]}, "name and rows"),
    ({"groups": None, "sweep": {"method": "regnn", "parameter": "layers", "values": [1], "confg": {}}},
     r"sweep: unknown field\(s\) \['confg'\]"),
    ({"groups": None, "sweep": {"method": "regnn", "parameter": "layers", "values": [1], "label": "s={val}"}},
     "may use {value} only"),
])
def test_bad_specs_name_their_field(change, words) -> None:
    spec = {k: v for k, v in {**TINY, **change}.items() if v is not None}
    with pytest.raises(SpecError, match=words):
        parse_spec(spec)


def test_an_unknown_experiment_lists_the_builtins() -> None:
    with pytest.raises(SpecError, match="table1"):
        load_spec("tabel1")


# ------------------------------------------------------------------------------------------ running
def test_local_run_stores_one_result_per_job_and_lists_unavailable_rows(local_run) -> None:
    spec, source, root, summary = local_run
    assert [o.status for o in summary.ran] == ["ok"] * 3          # GT, Mime, REGNN: the B row shares REGNN's job
    assert set(summary.plan.unavailable) == {("A", "missing method"), ("A", "missing variant")}
    results = list((root / "results").rglob("*.json"))
    assert len(results) == 3
    stored = [json.loads(p.read_text()) for p in results]
    assert all(r["job"]["experiment"] == "tiny" and len(r["job"]["key"]) == 64 for r in stored)
    assert all(len(r["per_direction"]["FRDist"]) == r["n_directions"] for r in stored)


def test_a_second_run_skips_every_stored_job(local_run) -> None:
    spec, source, root, _ = local_run
    again = run_experiment(spec, source, paths=_paths(root), log=lambda m: None)
    assert again.ran == [] and again.skipped == 3


def test_a_failing_job_is_reported_and_the_others_run(tmp_path, cache, monkeypatch, failing_method) -> None:
    monkeypatch.setenv("REACT_BENCH_CACHE", str(cache))
    spec = parse_spec({**TINY, "groups": [{"name": "A", "rows": [
        {"label": "bad", "method": "Failing_for_tests"}, {"label": "Mime", "method": "B_Mime"}]}]})
    summary = run_experiment(spec, resolve_data(None, "smoke"), paths=_paths(tmp_path), log=lambda m: None)
    assert [o.status for o in summary.ran] == ["failed", "ok"]
    failed = summary.failed[0]
    assert "always fails" in failed.error and "always fails" in Path(failed.log).read_text()
    assert any("failed" in line and failed.log in line for line in summary.lines())
    from react_bench.experiments.runner import make_plan, refresh_plan

    plan = make_plan(spec, resolve_data(None, "smoke"), tmp_path / "results", runs=tmp_path / "runs")
    assert [j.status for j in plan.jobs] == ["failed", "done"]
    from react_bench.experiments.runner import dry_run_lines

    lines = dry_run_lines(plan)                      # a failed job is run again: the dry run says so
    assert "2 job(s), 1 done, 1 to run (1 failed in the last run)" in lines[0]
    assert any(line.startswith("  [failed last run] A / bad") for line in lines)
    # the CLI refreshes the run's own plan from the store instead of planning again
    refreshed = refresh_plan(summary.plan, tmp_path / "results", tmp_path / "runs")
    assert [(j.key, j.status) for j in refreshed.jobs] == [(j.key, j.status) for j in plan.jobs]
    rows = {r.row.label: r for r in build_rows(plan)}
    assert rows["bad"].cells["FRDist"].status == "failed"
    assert rows["Mime"].cells["FRDist"].status == "ok"


def test_a_killed_job_is_redone_and_its_training_resumes(tmp_path, cache) -> None:
    """Kill the runner (SIGKILL) while REGNN trains; the rerun runs only that job, from its checkpoint."""
    spec_file = tmp_path / "kill.yaml"
    spec = {**TINY, "name": "kill", "groups": [{"name": "A", "rows": [
        {"label": "Mime", "method": "B_Mime"},
        {"label": "REGNN", "method": "regnn", "config": {"epochs": 100, "steps_per_epoch": 1}}]}]}
    import yaml

    spec_file.write_text(yaml.safe_dump(spec))
    env = {**os.environ, "REACT_BENCH_CACHE": str(cache), "REACT_BENCH_RESULTS": str(tmp_path / "results"),
           "REACT_BENCH_RUNS": str(tmp_path / "runs"), "REACT_BENCH_SUBMISSIONS": str(tmp_path / "subs")}
    cmd = [sys.executable, "-m", "react_bench.cli", "experiment", "run", str(spec_file), "--device", "cpu",
           "--out", str(tmp_path / "tables")]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    checkpoint = None
    while time.time() < deadline and proc.poll() is None:
        found = list((tmp_path / "runs").glob("x-regnn-*/checkpoint.pt"))
        if found:
            checkpoint = found[0]
            break
        time.sleep(0.2)
    assert checkpoint is not None, "REGNN never wrote a checkpoint"
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not list((tmp_path / "results").rglob("x-regnn-*/*.json"))       # the job did not finish
    before = json.loads((checkpoint.parent / "losses.json").read_text())
    assert len(list((tmp_path / "results").rglob("*.json"))) == 1            # Mime did
    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 job(s) run, 1 skipped" in done.stdout + done.stderr
    board = tmp_path / "leaderboard" / "LEADERBOARD.md"          # rewritten once after the jobs ran
    assert board.is_file() and "regnn" in board.read_text()
    log = next((tmp_path / "runs" / "experiments" / "kill" / "logs").glob("x-regnn-*.log")).read_text()
    assert "resuming run" in log
    assert len(list((tmp_path / "results").rglob("*.json"))) == 2
    after = json.loads((checkpoint.parent / "losses.json").read_text())
    assert len(after) == 100 and after[:len(before)] == before     # continued, not retrained (same timings)


def test_ray_executor_gives_the_local_executors_scores(local_run, tmp_path, cache, monkeypatch) -> None:
    ray = pytest.importorskip("ray")
    monkeypatch.setenv("REACT_BENCH_CACHE", str(cache))
    spec, source, root, summary = local_run
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = run_experiment(spec, source, paths=_paths(tmp_path), executor="ray", log=lambda m: None)
    finally:
        ray.shutdown()
    assert [o.status for o in remote.ran] == ["ok"] * 3, [o.error for o in remote.ran]

    def by_key(store: Path) -> dict[str, dict]:
        out = {}
        for path in store.rglob("*.json"):
            r = json.loads(path.read_text())
            out[r["job"]["key"]] = r
        return out

    local, distributed = by_key(root / "results"), by_key(tmp_path / "results")
    assert set(local) == set(distributed)
    for key in local:
        assert local[key]["predictions_sha256"] == distributed[key]["predictions_sha256"]
        assert local[key]["scores"] == distributed[key]["scores"]
        assert local[key]["oracle"] == distributed[key]["oracle"]


# ------------------------------------------------------------------------------------------ tables
def test_table_outputs_read_the_store(local_run, tmp_path) -> None:
    from react_bench.experiments.outputs import write_outputs
    from react_bench.experiments.runner import make_plan

    from dataclasses import replace

    spec, source, root, _ = local_run
    # the spec says small; the jobs ran on smoke (as `--profile smoke` overrides a spec's profile)
    plan = make_plan(replace(spec, profile="small"), source, root / "results", runs=root / "runs")
    assert plan.done
    written = {p.suffix: p for p in write_outputs(plan, tmp_path)}
    md = written[".md"].read_text()
    assert "| A | missing method | 0 | not available" in md and "| B | REGNN again | 1 |" in md
    assert "Per-sample convention" in md and "bootstrap" in md
    header, *lines = written[".csv"].read_text().splitlines()
    assert header.split(",")[:8] == ["experiment", "convention", "group", "row", "method", "config", "metric",
                                     "status"]
    gt_frdist = [l for l in lines if ",official,A,GT," in l and ",FRDist," in l]
    assert len(gt_frdist) == 1 and ",ok,1,0," in gt_frdist[0]
    assert "\\begin{tabular}" in written[".tex"].read_text()
    assert written[".png"].stat().st_size > 10_000
    # the header names the dataset that was run (smoke), not the spec's default (small)
    assert "on synthetic profile smoke (" in md
    # the per-sample convention's Synchrony is over all samples, as LEADERBOARD.md's
    job = next(j for j in plan.done if j.row.method == "B_Mime")
    rows = {r.row.label: r for r in build_rows(plan, "per_sample")}
    mime = next(r for r in rows.values() if r.row.method == "B_Mime")
    assert mime.cells["Synchrony"].values == [job.result["per_sample"]["Synchrony_all_samples"]]
    official = {r.row.label: r for r in build_rows(plan, "official")}[mime.row.label]
    assert official.cells["Synchrony"].values == [job.result["scores"]["Synchrony"]]


def test_bootstrap_ci_covers_the_mean_and_shrinks_with_directions() -> None:
    rng = np.random.default_rng(1)
    small = [rng.normal(1.0, 1.0, 20) for _ in range(3)]
    large = [rng.normal(1.0, 1.0, 2000) for _ in range(3)]
    lo, hi = bootstrap_ci(small)
    assert lo < np.mean(np.stack(small)) < hi
    lo2, hi2 = bootstrap_ci(large)
    assert (hi2 - lo2) < (hi - lo) / 5
    assert bootstrap_ci([rng.normal(size=5), None]) is None


def test_best_is_bold_only_when_the_cis_do_not_overlap() -> None:
    from react_bench.experiments.spec import Row
    from react_bench.experiments.tables import TableRow, _mark_best, cell_text

    def row(label, mean, ci):
        return TableRow(Row(label, "B_Mime", {}, "g"), {"FRDist": Cell("ok", [mean], ci)}, False, [0])

    apart = [row("a", 1.0, (0.9, 1.1)), row("b", 2.0, (1.8, 2.2))]
    _mark_best(apart, ["FRDist"])
    assert cell_text(apart[0].cells["FRDist"]).startswith("**1") and apart[1].cells["FRDist"].mark == ""
    close = [row("a", 1.0, (0.5, 1.6)), row("b", 1.2, (0.9, 1.5))]
    _mark_best(close, ["FRDist"])
    assert close[0].cells["FRDist"].mark == "tie" and cell_text(close[0].cells["FRDist"]).endswith("≈")
    # several rows tied at the best mean are all marked; when every row is equal nobody is best
    three = [row("a", 1.0, (0.9, 1.1)), row("b", 1.0, (0.9, 1.1)), row("c", 1.0, (0.9, 1.1)), row("d", 3.0, (2.9, 3.1))]
    _mark_best(three, ["FRDist"])
    assert [r.cells["FRDist"].mark for r in three] == ["tie", "tie", "tie", ""]
    equal = [row("a", 0.0, (0.0, 0.0)), row("b", 0.0, (0.0, 0.0)), row("c", 0.0, (0.0, 0.0))]
    _mark_best(equal, ["FRDist"])
    assert [r.cells["FRDist"].mark for r in equal] == ["", "", ""]


def test_latex_rows_escape_what_pdflatex_cannot_take() -> None:
    from react_bench.experiments.tables import _tex

    assert _tex("paper (σ = 0.6) & 50% #1_a") == r"paper ($\sigma$ = 0.6) \& 50\% \#1\_a"


def test_seed_arguments_are_joined() -> None:
    from react_bench.cli_experiments import join_seed_args, parse_seeds

    assert join_seed_args(["experiment", "run", "x", "--seeds", "0", "1", "2", "--jobs", "2"]) == \
        ["experiment", "run", "x", "--seeds", "0,1,2", "--jobs", "2"]
    assert parse_seeds(["0,1", "2"]) == [0, 1, 2]


def test_sampling_only_rows_share_one_training(tmp_path, cache, monkeypatch) -> None:
    """A sweep over an inference-only field trains once per seed; the other rows load that model."""
    from react_bench.methods.regnn.config import INFERENCE_FIELDS

    assert METHODS.entry("regnn").inference_fields == INFERENCE_FIELDS
    monkeypatch.setenv("REACT_BENCH_CACHE", str(cache))
    spec = parse_spec({"name": "share", "title": "share", "profile": "smoke", "seeds": [0],
                       "sweep": {"method": "regnn", "parameter": "sigma", "values": [0.05, 0.5],
                                 "config": {"noise_mode": "gaussian"}}})
    summary = run_experiment(spec, resolve_data(None, "smoke"), paths=_paths(tmp_path), log=lambda m: None)
    assert [o.status for o in summary.ran] == ["ok", "ok"]
    logs = [Path(o.log).read_text() for o in summary.ran]
    assert "training shared" not in logs[0] and "training shared" in logs[1]
    results = sorted((json.loads(p.read_text()) for p in (tmp_path / "results").rglob("*.json")),
                     key=lambda r: r["method_config"]["sigma"])
    weights = [(tmp_path / "runs" / r["run_id"] / "model" / "weights.pt").read_bytes() for r in results]
    assert weights[0] == weights[1]
    histories = [json.loads((tmp_path / "runs" / r["run_id"] / "losses.json").read_text()) for r in results]
    assert histories[0] == histories[1]              # the copy, timings included: no epoch was retrained
    assert results[0]["predictions_sha256"] != results[1]["predictions_sha256"]
    assert results[0]["scores"]["FRDiv"] < results[1]["scores"]["FRDiv"]


def test_the_runners_compile_mode_travels_with_each_job(tmp_path, monkeypatch) -> None:
    """REACT_BENCH_COMPILE (experiment run --compile) is read once by the runner, put in every
    job's payload, and applied by the worker, which may not have inherited it (Ray)."""
    from react_bench.experiments import execute

    monkeypatch.setenv("REACT_BENCH_COMPILE", "reduce-overhead")
    payload = _one_job_payload(tmp_path)
    assert payload["compile"] == "reduce-overhead"
    seen = {}

    def run_method(*args, **kwargs):
        seen["mode"] = os.environ.get("REACT_BENCH_COMPILE")
        raise RuntimeError("stop after the call")

    monkeypatch.setattr("react_bench.pipeline.run_method", run_method)
    monkeypatch.setenv("REACT_BENCH_COMPILE", "off")                 # a worker without it
    outcome = execute.execute_job(payload)
    assert seen["mode"] == "reduce-overhead" and outcome.status == "failed"
    monkeypatch.setenv("REACT_BENCH_COMPILE", "off")
    assert _one_job_payload(tmp_path)["compile"] is None


def test_ctrl_c_in_an_in_process_job_stops_the_runner(tmp_path, monkeypatch) -> None:
    """run_method turns Ctrl-C into RunInterrupted (a ReactBenchError): execute_job must pass it on as
    an interruption, not record a failed job and go on with the next."""
    from react_bench.experiments import execute
    from react_bench.pipeline import RunInterrupted

    payload = _one_job_payload(tmp_path)

    def run_method(*args, **kwargs):
        raise RunInterrupted("react-bench run B_Mime --resume r", "r")

    monkeypatch.setattr("react_bench.pipeline.run_method", run_method)
    with pytest.raises(KeyboardInterrupt):
        execute.execute_job(payload)


def test_the_dry_run_estimate_uses_stored_results_of_the_same_methods(local_run, tmp_path) -> None:
    """Nothing of this plan is stored (an empty store), but other runs' results on the same dataset
    are: each job is estimated at its method's mean measured seconds."""
    from react_bench.experiments.jobs import SMOKE_SECONDS, estimate_seconds
    from react_bench.experiments.runner import make_plan
    from react_bench.results import load_results

    spec, source, root, _ = local_run
    plan = make_plan(spec, source, tmp_path / "empty-store")
    assert not plan.done
    stored = load_results(root / "results")
    per_method: dict[str, list[float]] = {}
    for r in stored:
        per_method.setdefault(r["method"].lower(), []).append(sum(r["seconds"].values()))
    expected = sum(np.mean(per_method[j.row.method.lower()]) for j in plan.jobs)
    assert estimate_seconds(plan, stored) == pytest.approx(expected)
    assert estimate_seconds(plan) == sum(SMOKE_SECONDS["trained" if j.trained else "other"] for j in plan.jobs)


def test_an_unreachable_ray_address_is_refused_quickly() -> None:
    """ray.init retries an unreachable head for minutes; the runner probes the address first."""
    import socket

    from react_bench.errors import ReactBenchError
    from react_bench.experiments.execute import check_reachable, run_ray

    with socket.socket() as probe:              # a port that was free a moment ago: connection refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    tick = time.perf_counter()
    for address, phrase in ((f"127.0.0.1:{closed}", "did not answer"), (f"ray://127.0.0.1:{closed}", "did not answer"),
                            ("192.0.2.1:6379", "did not answer within 0.3 s"), ("head:port", "not host:port")):
        with pytest.raises(ReactBenchError, match=phrase):
            check_reachable(address, timeout_s=0.3)
    assert time.perf_counter() - tick < 10
    with socket.socket() as server:            # a listening port passes
        server.bind(("127.0.0.1", 0))
        server.listen()
        check_reachable(f"127.0.0.1:{server.getsockname()[1]}")
    check_reachable("auto")
    pytest.importorskip("ray")
    with pytest.raises(ReactBenchError, match="cannot connect to a Ray cluster"):
        list(run_ray([], address=f"127.0.0.1:{closed}"))


def test_native_library_output_of_a_job_goes_to_its_log(tmp_path, monkeypatch, capfd) -> None:
    """What a native library prints on fd 1 during a job (oneMKL's errors on NaN input, from C)
    lands in the job's log, not on the runner's terminal; fd 1 is restored afterwards."""
    import ctypes
    from react_bench.experiments import execute

    payload = _one_job_payload(tmp_path)

    def run_method(*args, **kwargs):
        os.write(1, b"Intel oneMKL ERROR: Parameter 4 was incorrect on entry to SLASCL.\n")
        ctypes.CDLL(None).printf(b"buffered by C stdio\n")
        raise RuntimeError("diverged")

    monkeypatch.setattr("react_bench.pipeline.run_method", run_method)
    capfd.readouterr()
    outcome = execute.execute_job(payload)
    os.write(1, b"after the job\n")
    out, err = capfd.readouterr()
    assert outcome.status == "failed" and "oneMKL" not in out + err and "buffered by C" not in out + err
    assert "after the job" in out
    log = Path(outcome.log).read_text()
    assert "oneMKL ERROR" in log and "buffered by C stdio" in log and "RuntimeError: diverged" in log


def test_scatter_labels_of_close_points_do_not_cover_each_other() -> None:
    """Numbers of coincident or near points go to different sides of them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from react_bench.experiments.figures import label_offsets

    fig, ax = plt.subplots()
    points = [(72.0, 0.070), (72.0, 0.070), (72.5, 0.071), (240.0, 0.05)]
    ax.scatter(*zip(*points))
    ax.autoscale_view()
    offsets = label_offsets(ax, points)
    plt.close(fig)
    spots = [np.asarray(ax.transData.transform(p)) / (fig.dpi / 72) + o for p, o in zip(points, offsets)]
    gaps = [np.hypot(*(spots[i] - spots[j])) for i in range(3) for j in range(i + 1, 3)]
    assert min(gaps) > 6, gaps            # 7.5-point digits do not sit on each other
    assert all(abs(np.hypot(*o) - 9.0) < 1e-9 for o in offsets)


def _one_job_payload(tmp_path: Path) -> dict:
    """A B_Mime job's payload, for tests that replace run_method."""
    from types import SimpleNamespace

    from react_bench.experiments import execute

    job = SimpleNamespace(key="k", train_key=None, run_id="r", method_config={}, seed=0,
                          row=SimpleNamespace(method="B_Mime", label="B_Mime"))
    paths = SimpleNamespace(submissions=tmp_path / "sub", runs=tmp_path / "runs", results=tmp_path / "res")
    return execute.job_payload(job, spec_name="t", source=SimpleNamespace(root=tmp_path, name="n", profile="smoke"),
                               paths=paths, device="cpu", fid=False, n_samples=10, split="test", log_dir=tmp_path)


def test_on_real_data_an_edited_train_split_makes_the_jobs_new(local_run, tmp_path) -> None:
    """Real data have one fingerprint per split; the job keys take the whole dataset's, so a job
    whose training data changed is run again, not read from the store. On synthetic data the keys
    are what they were (one fingerprint for all splits)."""
    import shutil

    from react_bench.experiments.runner import make_plan
    from react_bench.pipeline import DataSource

    spec, source, root, _ = local_run
    synthetic = make_plan(spec, source, root / "results")
    assert synthetic.done and all(j.status == "done" for j in synthetic.jobs if j.row.method in ("GT", "B_Mime"))
    real = tmp_path / "realish"
    shutil.copytree(source.root, real, ignore=shutil.ignore_patterns("dataset.json", "ground_truth", ".react_bench*"))
    as_real = DataSource(real, "realish")
    first = make_plan(spec, as_real, root / "results")
    before = {j.key for j in first.jobs}
    train_file = sorted((real / "train").rglob("*.csv"))[0]
    lines = train_file.read_text().splitlines()
    cells = lines[1].split(",")
    cells[-1] = str(float(cells[-1]) + 0.5)
    train_file.write_text("\n".join([lines[0], ",".join(cells)] + lines[2:]) + "\n")
    after = make_plan(spec, as_real, root / "results")
    assert after.dataset_fingerprint == first.dataset_fingerprint      # the evaluated split did not change
    assert not before & {j.key for j in after.jobs}
    # real data on a CPU: the trained rows without a profile would train their paper schedule
    from react_bench.experiments.runner import paper_schedule_rows

    assert "REGNN" in paper_schedule_rows(after, "cpu") and "Mime" not in paper_schedule_rows(after, "cpu")
    assert paper_schedule_rows(after, "cuda") == [] and paper_schedule_rows(synthetic, "cpu") == []

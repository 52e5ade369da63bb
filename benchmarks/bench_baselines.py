"""Training and inference speed of every trained baseline (issue 13 §3, issue 14 §3).

    python benchmarks/bench_baselines.py [--profile small] [--device cpu|cuda] [--steps 20] [--only UNet L2L]
                                         [--test-clips 256] [--set predict_batch=256] [--batch-scale 4]
                                         [--epochs 2] [--compile reduce-overhead] [--tf32]
    python benchmarks/bench_baselines.py --runs [--profile small] [--only UNet]
    python benchmarks/bench_baselines.py --kernels --profile paper [--world small] [--steps 2]
                                         [--gpu-table benchmarks/results/gpu-.../bench_....md]

Default mode: for each registered method tagged ("trained", "baseline"), a short fit of the
profile's network on the profile's data with every training stage cut to ``--epochs`` (default 1)
epochs of ``--steps`` steps (each config field ``*epochs`` -> epochs, ``*steps_per_epoch`` -> steps:
L2L's VQ-VAE and predictor, BeLFusion's VAE and diffusion are both cut), training steps per second
from each stage's last epoch's own time in the losses.json files the fit wrote (start-up excluded;
with ``--compile`` use ``--epochs 2``, so that compilation stays in the first epoch), then inference of 10
samples for the first ``--test-clips`` test directions (all by default; seconds per clip).
REGNN is measured in the same run as a reference.
A full schedule's time is (epochs x steps per epoch) / (steps per second) of each stage.

``--runs``: the whole ``react-bench run METHOD`` (the one pipeline: fit the full profile schedule,
predict, write the submission, score; FRRea off) per method, one after another, into a temporary
output folder; it prints the wall time and the pipeline's own fit / predict / score seconds. This is
the issue's "each run on the small profile finishes in at most 3 minutes" figure.

``--kernels``: the launch cost of a training step without a GPU. The operators each stage's step
dispatches (forward, backward, optimiser) are counted on the CPU, with the profile's networks on a
smaller world's train split, and set against the profile's whole schedule: how many kernels it
launches, and how many microseconds each may take if the schedule is to train in 600 s. Eager GPU
steps are bound by launches, so that budget against the eager microseconds per kernel (a GPU table
of the same profile, ``--gpu-table``) says how much launch removal (CUDA graphs) must bring.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import tempfile
import time
from pathlib import Path


def failed_row(label: str, error: Exception, empty_cells: int) -> str:
    """A table row for a method that failed: its whole message on one line (up to 400 characters; a
    GPU call's only trace of why, e.g. a step that cannot be captured names its cause)."""
    return f"| {label} | failed: {type(error).__name__}: {' '.join(str(error).split())[:400]} |" + " |" * empty_cells


def epoch_fields(config) -> list[str]:
    """A method config's training-stage epoch fields ("epochs", "vq_epochs", "vae_epochs", ...)."""
    import dataclasses

    return [f.name for f in dataclasses.fields(config) if f.name == "epochs" or f.name.endswith("_epochs")]


def _short(name: str, profile: str, steps: int, settings: dict | None = None, batch_scale: int = 1,
           epochs: int = 1, after_cut: dict | None = None):
    """(the profile's method, the same with every training stage cut to ``epochs`` epochs of
    ``steps`` steps, the cut epochs fields). Both take the ``settings`` that are fields of the method's config
    and every ``*batch_size`` field times ``batch_scale`` (the step-scaling check: a step whose time
    does not grow with its batch is bound by kernel launches and Python, not by the GPU's arithmetic).
    ``after_cut`` overrides fields after the cut (the kernel count lengthens one stage at a time)."""
    import dataclasses

    from react_bench.methods import get_method

    config = get_method(name, profile=profile).config
    fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    overrides = {k: v for k, v in (settings or {}).items() if k in fields}
    if batch_scale != 1:
        overrides.update({k: int(v) * batch_scale for k, v in fields.items()
                          if k == "batch_size" or k.endswith("_batch_size")})
    cut = {k: epochs for k in epoch_fields(config)}
    cut.update({k: steps for k in fields if k.endswith("steps_per_epoch")})
    cut.update({k: () for k in fields if k.endswith("lr_milestones")})
    cut.update(after_cut or {})
    return (get_method(name, profile=profile, **overrides), get_method(name, profile=profile, **{**overrides, **cut}),
            sorted(k for k in cut if k.endswith("epochs")))


def _setting(text: str) -> tuple[str, int | float]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"--set wants KEY=VALUE, got {text!r}")
    return key, (float(value) if "." in value or "e" in value.lower() else int(value))


def _stage_epochs(run_dir: Path) -> list[tuple[str, dict]]:
    """(folder, the cut run's last epoch) per training stage, sub-folders first. Each stage's last
    losses.json entry is its own epoch (BeLFusion's run-folder file also repeats stage 1's)."""
    out = []
    for path in sorted(run_dir.rglob("losses.json"), key=lambda p: -len(p.parts)):
        history = json.loads(path.read_text())
        if history:
            out.append((path.parent.name if path.parent != run_dir else "", history[-1]))
    return out


def _stage_prefixes(method, stages: list[tuple[str, dict]]) -> list[str] | None:
    """The config prefix of each training stage (``""``, ``"vq_"``, ``"vae_"``, ...), in the order of
    ``stages``. A stage's losses.json is in a sub-folder named like its config prefix (L2L: vqvae/ =
    vq_*, BeLFusion: vae/ = vae_*); the run folder's own is the remaining stage."""
    prefixes = [k[:-len("epochs")] for k in epoch_fields(method.config)]
    out: list[str] = []
    for folder, _ in stages:
        match = [p for p in prefixes if p not in out and folder and p and folder.startswith(p.rstrip("_"))]
        rest = [p for p in prefixes if p not in out]
        prefix = (match or rest or [None])[0]
        if prefix is None:
            return None
        out.append(prefix)
    return out or None


def _full_schedule_seconds(method, stages: list[tuple[str, dict]]) -> float | None:
    """The profile's whole training time projected from the cut run: per stage, its epochs x
    min(steps per epoch, one pass) x the cut epoch's seconds per step."""
    import dataclasses

    cfg = dataclasses.asdict(method.config)
    prefixes = _stage_prefixes(method, stages)
    if prefixes is None:
        return None
    total = 0.0
    for prefix, (_, h) in zip(prefixes, stages):
        per_step = float(h["seconds"]) / max(1, int(h["steps"]))
        steps = min(int(cfg[prefix + "steps_per_epoch"]), int(h.get("pass_steps", h["steps"])))
        total += int(cfg[prefix + "epochs"]) * steps * per_step
    return total


def _runs(names: list[str], profile: str, device: str) -> None:
    """The full ``react-bench run`` of each method through the pipeline, timed."""
    from react_bench.pipeline import resolve_data, run_method

    source = resolve_data(None, profile)
    print(f"profile {profile}, device {device}: react-bench run <method> --no-fid (fit + predict + score)")
    print("| method | wall s | fit s | predict s | score s | within 3 min |")
    print("|---|---|---|---|---|---|")
    for name in names:
        with tempfile.TemporaryDirectory() as out:
            out = Path(out)
            tick = time.perf_counter()
            outcome = run_method(name, source, "test", seed=0, device=device, submissions=out / "submissions",
                                 store=out / "results", runs=out / "runs", fid=False, leaderboard=None,
                                 log=lambda _msg: None)
            wall = time.perf_counter() - tick
        seconds = outcome.seconds
        print(f"| {name} | {wall:.1f} | {seconds.get('fit', float('nan')):.1f} | "
              f"{seconds.get('predict', float('nan')):.1f} | {seconds.get('score', float('nan')):.1f} | "
              f"{'yes' if wall <= 180 else 'NO'} |", flush=True)


def _gpu_seconds_per_step(table: Path | None) -> dict[str, float]:
    """{method: seconds per training step} from a bench_baselines markdown table measured on a GPU
    (its fit column and step count: every cut stage together)."""
    if table is None:
        return {}
    out = {}
    for line in table.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[3].isdigit():
            try:
                out[cells[0]] = 1.0 / float(cells[4])
            except ValueError:
                continue
    return out


def _kernels(names: list[str], profile: str, world: str, steps: int, gpu_table: Path | None) -> None:
    """Kernels per training step of each stage, counted on the CPU with ``profile``'s networks on
    ``world``'s train split: every stage cut to one epoch of ``steps`` steps, then each stage alone at
    twice that; a stage's kernels per step are the difference over the difference in its steps (the
    fit's set-up, checkpoints and the other stages cancel). The paper schedule's steps per stage scale
    the world's items per epoch by the profile's train size. Printed: the kernels the whole schedule
    launches, and the microseconds per kernel it may take to train in 600 s; with ``--gpu-table``
    (a bench_baselines table measured on a GPU at this profile), the eager seconds per step measured
    there per kernel counted here (that table's cut stages ran equal steps, so a step's kernels are
    the stages' mean). Note that the ratio of the last two columns is the H200's projected schedule
    over 600 s whatever the count: the count matters against an absolute per-kernel figure
    (cuda_graph_floor.py). Under the table, each method's host reads per step by source line."""
    import dataclasses
    from unittest import mock

    from react_bench.data.reader import load_split
    from react_bench.data.synth import PROFILES
    from react_bench.methods.dispatch_count import DispatchCount
    from react_bench.pipeline import resolve_data

    train = load_split(resolve_data(None, world).root, "train")
    to_pairs, from_pairs = PROFILES[profile][0], PROFILES[world][0]
    gpu = _gpu_seconds_per_step(gpu_table)
    reads: list[str] = []

    def counted_fit(method) -> tuple[tuple[int, int, int], collections.Counter, list[tuple[str, dict]],
                                     list[str] | None]:
        with (tempfile.TemporaryDirectory() as run_dir, DispatchCount() as count,
              mock.patch("torch.optim.adam._default_to_fused_or_foreach", lambda *a, **k: (False, True))):
            method.fit(train, None, seed=0, device="cpu", run_dir=Path(run_dir))         # foreach Adam, as on CUDA
            stages = _stage_epochs(Path(run_dir))
        return (count.kernels, count.rnn_kernels, count.syncs), count.where, stages, _stage_prefixes(method, stages)

    print(f"kernels per training step: {profile} networks on the {world} world's train split (S={train.n_directions}), "
          f"CPU count; schedule steps at the {profile} world's size (x{to_pairs / from_pairs:.2f} items)")
    print("| method | stage | kernels/step | of which in recurrent forwards | host syncs/step | schedule steps | "
          "schedule kernels (M) | us/kernel for 600 s | GPU eager us/kernel |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in names:
        try:
            full, base, _ = _short(name, profile, steps)
            c0, where0, stages, prefixes = counted_fit(base)
            if prefixes is None:
                raise RuntimeError("stages not found")
            cfg = dataclasses.asdict(full.config)
            rows, total_kernels, stage_kernels = [], 0.0, []
            for prefix, (folder, h0) in zip(prefixes, stages):
                _, more, _ = _short(name, profile, steps, after_cut={prefix + "steps_per_epoch": 2 * steps})
                c1, where1, stages1, _ = counted_fit(more)
                h1 = dict(stages1)[folder]
                extra = int(h1["steps"]) - int(h0["steps"])
                if extra <= 0:
                    raise RuntimeError(f"stage {prefix or 'main'}: one pass is {h0['steps']} steps on this world")
                per_step, rnn, syncs = ((b - a) / extra for a, b in zip(c0, c1))
                items = -(-int(h0["items"]) * to_pairs // from_pairs) if "items" in h0 else None   # exact ceil
                pass_steps = (-(-items // int(h0["batch_size"])) if items and "batch_size" in h0
                              else int(h0["pass_steps"]))
                sched = int(cfg[prefix + "epochs"]) * min(int(cfg[prefix + "steps_per_epoch"]), pass_steps)
                total_kernels += per_step * sched
                stage_kernels.append(per_step)
                rows.append((prefix.rstrip("_") or "main", per_step, rnn, syncs, sched))
                sites = {k: (where1[k] - where0[k]) / extra for k in where1 if where1[k] != where0[k]}
                if sites:
                    reads.append(f"{name} {prefix.rstrip('_') or 'main'}: "
                                 + ", ".join(f"{k} x{v:g}" for k, v in sorted(sites.items())))
            eager = gpu.get(name)
            eager_us = (f"{1e6 * eager / (sum(stage_kernels) / len(stage_kernels)):.1f}" if eager else "")
            for stage, per_step, rnn, syncs, sched in rows:
                print(f"| {name} | {stage} | {per_step:.0f} | {rnn:.0f} | {syncs:.1f} | {sched} | {per_step * sched / 1e6:.1f} | "
                      f"{6e8 / total_kernels:.2f} | {eager_us} |", flush=True)
        except Exception as error:    # report and go on
            print(failed_row(name, error, 7))
    print("\nhost reads per step (a sync on CUDA), by source line: " + ("; ".join(reads) or "none"))


def main() -> None:
    import torch

    from react_bench.data.reader import load_split
    from react_bench.data.split import SplitData
    from react_bench.methods import METHODS, method_names
    from react_bench.methods.config import COMPILE_ENV, compile_mode
    from react_bench.pipeline import resolve_data

    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="small")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--test-clips", type=int, default=0, help="time inference on this many test clips (0: all)")
    ap.add_argument("--set", type=_setting, nargs="*", default=[], metavar="KEY=VALUE",
                    help="config overrides, applied to each method whose config has the field")
    ap.add_argument("--batch-scale", type=int, default=1, help="multiply every *batch_size field")
    ap.add_argument("--runs", action="store_true", help="time the whole run (fit, predict, score) instead")
    ap.add_argument("--kernels", action="store_true",
                    help="count the kernels per training step on the CPU instead (launch cost; see _kernels)")
    ap.add_argument("--world", default="small", help="--kernels: the world whose train split is used")
    ap.add_argument("--gpu-table", type=Path, help="--kernels: a GPU steps/s table of this profile, for us/kernel")
    ap.add_argument("--epochs", type=int, default=1,
                    help="epochs per cut stage; steps/s comes from each stage's last epoch (2: without "
                         "the first epoch's compilation or CUDA warm-up)")
    ap.add_argument("--compile", default="off", metavar="MODE",
                    help="how training steps are sped up (REACT_BENCH_COMPILE): off, cuda-graphs (whole steps "
                         "captured and replayed; CUDA only), or a torch.compile mode: default, reduce-overhead, ...")
    ap.add_argument("--tf32", action="store_true",
                    help="allow TF32 matmuls on CUDA (a measurement only: no method sets it; convolutions use "
                         "cuDNN's TF32 by default with or without it)")
    args = ap.parse_args()
    if args.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
    os.environ[COMPILE_ENV] = args.compile
    compile_mode(args.device)                    # an unknown mode (or cuda-graphs off CUDA) is refused first
    torch.set_num_threads(1)
    names = [n for n in method_names() if {"trained", "baseline"} <= set(METHODS.entry(n).tags)] + ["regnn"]
    if args.only:                                 # in the order given (the GPU script orders by cost)
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            ap.error(f"--only: not a trained baseline or regnn: {unknown}; known: {names}")
        names = list(dict.fromkeys(args.only))
    if args.runs:
        _runs(names, args.profile, args.device)
        return
    if args.kernels:
        _kernels(names, args.profile, args.world, args.steps, args.gpu_table)
        return
    source = resolve_data(None, args.profile)
    train, test = load_split(source.root, "train"), load_split(source.root, "test")
    if 0 < args.test_clips < test.n_directions:
        n = args.test_clips
        test = SplitData.from_arrays("test", test.speaker[:n], test.listener[:n], video=test.video[:n],
                                     audio=test.audio[:n], speaker_paths=test.speaker_paths[:n],
                                     listener_paths=test.listener_paths[:n])
    print(f"profile {args.profile}, device {args.device}, train S={train.n_directions}, test S={test.n_directions}, "
          f"overrides {dict(args.set) or 'none'}, batch x{args.batch_scale}, compile {args.compile}, "
          f"tf32 matmuls {'on' if args.tf32 else 'off'}")
    print("| method | schedule cut | fit s (cut schedule) | steps | steps/s | full schedule s (projected) | "
          "predict s per clip (10 samples) | replayed from CUDA graphs (of steps) |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        try:
            full, method, cut = _short(name, args.profile, args.steps, dict(args.set), args.batch_scale, args.epochs)
            with tempfile.TemporaryDirectory() as run_dir:
                tick = time.perf_counter()
                method.fit(train, None, seed=0, device=args.device, run_dir=Path(run_dir))
                fit_s = time.perf_counter() - tick
                stages = _stage_epochs(Path(run_dir))
                steps = sum(int(h.get("steps", 0)) for _, h in stages)
                epoch_s = sum(float(h.get("seconds", 0.0)) for _, h in stages) or fit_s
                projected = _full_schedule_seconds(full, stages)
                replayed = [int(h["replayed_steps"]) for _, h in stages if "replayed_steps" in h]
                tick = time.perf_counter()
                method.predict(test, n_samples=10, seed=0)
                per_clip = (time.perf_counter() - tick) / test.n_directions
            rate = steps / epoch_s if steps else float("nan")
            full_s = "?" if projected is None else f"{projected:.1f}"
            print(f"| {name} | {' + '.join(cut)} = {args.epochs} | {fit_s:.1f} | {steps} | {rate:.1f} | {full_s} | "
                  f"{per_clip:.4f} | {sum(replayed) if replayed else ''} |", flush=True)
        except Exception as error:    # report and go on: one broken method does not hide the others
            print(failed_row(name, error, 6), flush=True)


if __name__ == "__main__":
    main()

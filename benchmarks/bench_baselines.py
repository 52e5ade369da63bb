"""Training and inference speed of every trained baseline (issue 13 §3, issue 14 §3).

    python benchmarks/bench_baselines.py [--profile small] [--device cpu|cuda] [--steps 20] [--only UNet L2L]
                                         [--test-clips 256] [--set predict_batch=256] [--batch-scale 4]
                                         [--epochs 2] [--compile reduce-overhead] [--tf32]
    python benchmarks/bench_baselines.py --runs [--profile small] [--only UNet]

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
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def _short(name: str, profile: str, steps: int, settings: dict | None = None, batch_scale: int = 1,
           epochs: int = 1):
    """(the profile's method, the same with every training stage cut to ``epochs`` epochs of
    ``steps`` steps, the cut epochs fields). Both take the ``settings`` that are fields of the method's config
    and every ``*batch_size`` field times ``batch_scale`` (the step-scaling check: a step whose time
    does not grow with its batch is bound by kernel launches and Python, not by the GPU's arithmetic)."""
    import dataclasses

    from react_bench.methods import get_method

    config = get_method(name, profile=profile).config
    fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    overrides = {k: v for k, v in (settings or {}).items() if k in fields}
    if batch_scale != 1:
        overrides.update({k: int(v) * batch_scale for k, v in fields.items()
                          if k == "batch_size" or k.endswith("_batch_size")})
    cut = {k: epochs for k in fields if k == "epochs" or k.endswith("_epochs")}
    cut.update({k: steps for k in fields if k.endswith("steps_per_epoch")})
    cut.update({k: () for k in fields if k.endswith("lr_milestones")})
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


def _full_schedule_seconds(method, stages: list[tuple[str, dict]]) -> float | None:
    """The profile's whole training time projected from the cut run: per stage, its epochs x
    min(steps per epoch, one pass) x the cut epoch's seconds per step. A stage's losses.json is in
    a sub-folder named like its config prefix (L2L: vqvae/ = vq_*, BeLFusion: vae/ = vae_*); the
    run folder's own is the remaining stage."""
    import dataclasses

    cfg = dataclasses.asdict(method.config)
    prefixes = [k[:-len("epochs")] for k in cfg if k == "epochs" or k.endswith("_epochs")]
    total, used = 0.0, set()
    for folder, h in stages:
        match = [p for p in prefixes if p not in used and folder and p and folder.startswith(p.rstrip("_"))]
        rest = [p for p in prefixes if p not in used]
        prefix = (match or rest or [None])[0]
        if prefix is None:
            return None
        used.add(prefix)
        per_step = float(h["seconds"]) / max(1, int(h["steps"]))
        steps = min(int(cfg[prefix + "steps_per_epoch"]), int(h.get("pass_steps", h["steps"])))
        total += int(cfg[prefix + "epochs"]) * steps * per_step
    return total if used else None


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
    ap.add_argument("--epochs", type=int, default=1,
                    help="epochs per cut stage; steps/s comes from each stage's last epoch (2: without "
                         "the first epoch's compilation or CUDA warm-up)")
    ap.add_argument("--compile", default="off", metavar="MODE",
                    help="torch.compile the training steps' networks (REACT_BENCH_COMPILE): off, default, "
                         "reduce-overhead, ...")
    ap.add_argument("--tf32", action="store_true",
                    help="allow TF32 matmuls on CUDA (a measurement only: no method sets it; convolutions use "
                         "cuDNN's TF32 by default with or without it)")
    args = ap.parse_args()
    if args.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
    os.environ[COMPILE_ENV] = args.compile
    compile_mode()                               # an unknown mode is refused before any work
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
          "predict s per clip (10 samples) |")
    print("|---|---|---|---|---|---|---|")
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
                tick = time.perf_counter()
                method.predict(test, n_samples=10, seed=0)
                per_clip = (time.perf_counter() - tick) / test.n_directions
            rate = steps / epoch_s if steps else float("nan")
            full_s = "?" if projected is None else f"{projected:.1f}"
            print(f"| {name} | {' + '.join(cut)} = {args.epochs} | {fit_s:.1f} | {steps} | {rate:.1f} | {full_s} | "
                  f"{per_clip:.4f} |", flush=True)
        except Exception as error:    # report and go on: one broken method does not hide the others
            print(f"| {name} | failed: {type(error).__name__}: {str(error)[:80]} | | | | | |")


if __name__ == "__main__":
    main()

"""Training and inference speed of every trained baseline (issue 13 §3, issue 14 §3).

    python benchmarks/bench_baselines.py [--profile small] [--device cpu|cuda] [--steps 20] [--only UNet L2L]

For each registered method tagged ("trained", "baseline"): a short fit of the profile's network on
the profile's data with the schedule cut to 1 epoch of ``--steps`` steps (training steps per
second, start-up excluded as far as the method allows: the first epoch's time from losses.json),
then inference of 10 samples for every test clip (seconds per clip). It prints one markdown row
per method and, for REGNN, the same figures as a reference measured in the same run.
A full schedule's time is (epochs x steps per epoch) / (steps per second) of the profile.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def _short(name: str, profile: str, steps: int):
    from react_bench.methods import get_method

    for overrides in ({"epochs": 1, "steps_per_epoch": steps}, {}):
        try:
            return get_method(name, profile=profile, **overrides), bool(overrides)
        except Exception:   # a method whose schedule has other field names: run its own profile
            continue
    raise RuntimeError(f"cannot build {name}")


def main() -> None:
    import torch

    from react_bench.data.reader import load_split
    from react_bench.methods import METHODS, method_names
    from react_bench.pipeline import resolve_data

    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="small")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    torch.set_num_threads(1)
    source = resolve_data(None, args.profile)
    train, test = load_split(source.root, "train"), load_split(source.root, "test")
    names = [n for n in method_names() if {"trained", "baseline"} <= set(METHODS.entry(n).tags)] + ["regnn"]
    if args.only:
        names = [n for n in names if n in args.only]
    print(f"profile {args.profile}, device {args.device}, train S={train.n_directions}, test S={test.n_directions}")
    print("| method | schedule cut | fit s (1 epoch) | steps | steps/s | predict s per clip (10 samples) |")
    print("|---|---|---|---|---|---|")
    for name in names:
        try:
            method, cut = _short(name, args.profile, args.steps)
            with tempfile.TemporaryDirectory() as run_dir:
                tick = time.perf_counter()
                method.fit(train, None, seed=0, device=args.device, run_dir=Path(run_dir))
                fit_s = time.perf_counter() - tick
                history = json.loads((Path(run_dir) / "losses.json").read_text())
                steps = sum(int(h.get("steps", 0)) for h in history)
                epoch_s = sum(float(h.get("seconds", 0.0)) for h in history) or fit_s
                tick = time.perf_counter()
                method.predict(test, n_samples=10, seed=0)
                per_clip = (time.perf_counter() - tick) / test.n_directions
            rate = steps / epoch_s if steps else float("nan")
            print(f"| {name} | {'1 epoch' if cut else 'own profile'} | {fit_s:.1f} | {steps} | {rate:.1f} | "
                  f"{per_clip:.4f} |")
        except Exception as error:    # report and go on: one broken method does not hide the others
            print(f"| {name} | failed: {type(error).__name__}: {str(error)[:80]} | | | | |")


if __name__ == "__main__":
    main()

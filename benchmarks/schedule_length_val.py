"""Is a baseline's small-profile schedule long enough? Train it as is and k times longer, score val.

    python benchmarks/schedule_length_val.py [--methods DyadGAN L2L] [--scale 4] [--seed 0]

For each method, two runs through the one pipeline on the small world, scored on the val split
(FRRea off; outputs in a temporary folder, the store untouched): the small profile as configured,
and the same with every ``*epochs`` field and every LR milestone multiplied by ``--scale`` (the
same steps per epoch and learning rates). A diagnostic for choosing schedules on val; it changes no
setting. Prints fit seconds and the standard metrics of both.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

METRICS = ("FRDist", "FRCorr", "FRDiv", "FRVar", "FRDvs")


def longer(name: str, scale: int) -> dict:
    """Config overrides that train ``name``'s small profile ``scale`` times as many epochs."""
    from bench_baselines import epoch_fields
    from react_bench.methods import get_method

    config = get_method(name, profile="small").config
    cfg = dataclasses.asdict(config)
    out = {k: int(cfg[k]) * scale for k in epoch_fields(config)}
    out.update({k: [int(m) * scale for m in v] for k, v in cfg.items() if k.endswith("lr_milestones") and v})
    return out


def main() -> None:
    from bench_baselines import failed_row
    from react_bench.methods import METHODS, method_names
    from react_bench.pipeline import resolve_data, run_method

    ap = argparse.ArgumentParser()
    ap.add_argument("--methods", nargs="*")
    ap.add_argument("--scale", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    names = args.methods or [n for n in method_names() if {"trained", "baseline"} <= set(METHODS.entry(n).tags)]
    source = resolve_data(None, "small")
    print(f"small profile, val split, seed {args.seed}: as configured and x{args.scale} epochs (official sums)")
    print("| method | schedule | fit s | " + " | ".join(METRICS) + " |")
    print("|---|---|---|" + "---|" * len(METRICS))
    for name in names:
        try:
            variants = (("small", {}), (f"x{args.scale} epochs", longer(name, args.scale)))
        except Exception as error:           # report and go on: one failure does not hide the others
            print(failed_row(name, error, 0), flush=True)
            continue
        for label, config in variants:
            tick = time.perf_counter()
            try:
                with tempfile.TemporaryDirectory() as out:
                    out = Path(out)
                    outcome = run_method(name, source, "val", seed=args.seed, device="cpu", fid=False,
                                         submissions=out / "submissions", store=out / "results", runs=out / "runs",
                                         method_config=config, leaderboard=None, log=lambda _msg: None)
                scores = outcome.score.result["scores"]
            except Exception as error:
                print(failed_row(f"{name} | {label}", error, 0), flush=True)
                continue
            fit = outcome.seconds.get("fit", time.perf_counter() - tick)
            print(f"| {name} | {' '.join(filter(None, (label, str(config or ''))))} | {fit:.0f} | "
                  + " | ".join(f"{float(scores.get(m, float('nan'))):.4f}" for m in METRICS) + " |", flush=True)


if __name__ == "__main__":
    main()

"""Where an experiment's time goes, from the results store, and how fast `experiment table` is.

    python benchmarks/experiment_times.py table2 sens_sigma [--profile small]

For each experiment: its jobs in the store, the summed fit / predict / score seconds of those
jobs (what one sequential worker would spend), and the wall time of `react-bench experiment table`
measured here (target: at most 5 s on a finished experiment). The experiment's own wall time is
printed by `react-bench experiment run` ("wall time ... s") and recorded in the README.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    from react_bench.experiments import load_spec
    from react_bench.experiments.runner import make_plan
    from react_bench.pipeline import OutputPaths, resolve_data

    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="+")
    ap.add_argument("--profile", default="small")
    args = ap.parse_args()
    paths = OutputPaths.from_env()
    source = resolve_data(None, args.profile)
    print("| experiment | jobs done / all | fit s | predict s | score s | sum s | `experiment table` wall s |")
    print("|---|---|---|---|---|---|---|")
    for name in args.names:
        plan = make_plan(load_spec(name), source, paths.results, runs=paths.runs)
        totals = {"fit": 0.0, "predict": 0.0, "score": 0.0}
        for job in plan.done:
            for key in totals:
                totals[key] += float((job.result.get("seconds") or {}).get(key, 0.0))
        tick = time.perf_counter()
        subprocess.run([sys.executable, "-m", "react_bench", "experiment", "table", name, "--profile", args.profile,
                        "--out", str(Path("/tmp") / "react-bench-table-timing")], check=True,
                       stdout=subprocess.DEVNULL)
        table_s = time.perf_counter() - tick
        print(f"| {name} | {len(plan.done)} / {len(plan.jobs)} | {totals['fit']:.0f} | {totals['predict']:.0f} | "
              f"{totals['score']:.0f} | {sum(totals.values()):.0f} | {table_s:.1f} |")


if __name__ == "__main__":
    main()

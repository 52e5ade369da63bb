"""Time the whole scorer on CUDA twice in one process (the first pass pays numba/Triton compilation).

    python benchmarks/gpu_scorer_warm.py [--S 1612]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_metrics import make_inputs  # noqa: E402

from react_bench.metrics import score_arrays_timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--S", type=int, default=1612)
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    inputs = make_inputs(args.S)
    for label in ("cold", "warm"):
        tick = time.perf_counter()
        scores, seconds = score_arrays_timed(inputs["predictions"], inputs["listener"], inputs["speaker"],
                                             inputs["appropriate"], device=args.device)
        total = time.perf_counter() - tick
        parts = ", ".join(f"{k} {v:.2f}s" for k, v in seconds.items())
        print(f"{label}: all metrics {total:.2f} s wall on {args.device} ({parts}); FRDist {scores['FRDist']:.6f}",
              flush=True)


if __name__ == "__main__":
    main()

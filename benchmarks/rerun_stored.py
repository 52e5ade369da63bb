"""Do the stored results still come out of today's code? Re-run them and compare.

    python benchmarks/rerun_stored.py [--store leaderboard/results] [--methods UNet L2L] [--seeds 0]
                                      [--profile small] [--avx2]

For each stored result of the given methods and seeds on a synthetic profile, the run that made it
is repeated with the current code (the same method config, seed, dataset and split, on the CPU,
FRRea off) through the one pipeline, into a temporary folder: nothing in the store changes. It
prints the stored and the new predictions' sha256, and the standard metrics of both. Equal hashes
mean the stored rows are what the current code computes. Unequal ones with metrics equal to
within the last digits mean other floating-point kernels (a CPU with other vector instructions:
see tests/test_regnn_sampling.py), not other code; a metric that moved means the code changed what
the method does, and the stored rows need regenerating (`react-bench experiment run ...`). ``--avx2`` runs under the
AVX2 kernels of torch, oneDNN and MKL (the environment the REGNN pin test uses), with which the
stored results were made: on an AVX-512 machine a GAN's training otherwise drifts from the stored
bytes within a few hundred steps.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

METRICS = ("FRCorr", "FRDist", "FRDiv", "FRVar", "FRDvs")


def _stored(store: Path, methods: list[str] | None, seeds: list[int] | None, profile: str) -> list[dict]:
    """The stored test-split results to re-run, one per (method, seed, config), oldest first (the
    store's own reader: unreadable files are skipped)."""
    from react_bench.results import load_results

    found: dict[tuple, dict] = {}
    for result in load_results(store, on_problem=lambda _problem: None):
        config = result.get("method_config") or {}
        if (result.get("split") != "test" or result.get("seed") is None
                or config.get("profile") != profile or not result.get("predictions_sha256")
                or (methods and result.get("method") not in methods)
                or (seeds is not None and int(result["seed"]) not in seeds)):
            continue
        found.setdefault((result["method"], int(result["seed"]), json.dumps(config, sort_keys=True)), result)
    return sorted(found.values(), key=lambda r: (r["method"], int(r["seed"])))


def _overrides(method: str, profile: str, stored: dict) -> dict:
    """The stored config's fields that differ from the profile's defaults (what the job set; fields
    a method fixes itself, such as Trans-VAE's ``online``, cannot be passed back)."""
    import dataclasses

    from react_bench.methods import get_method

    defaults = dataclasses.asdict(get_method(method, profile=profile).config)
    same = lambda a, b: json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)  # noqa: E731 (tuples = lists)
    return {k: v for k, v in stored.items() if k not in ("seed", "resume") and not same(defaults.get(k), v)}


def _scores(result: dict) -> dict[str, float]:
    scores = result.get("scores") or {}
    return {k: float(scores[k]) for k in METRICS if isinstance(scores.get(k), (int, float))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, default=Path("leaderboard/results"))
    ap.add_argument("--methods", nargs="*")
    ap.add_argument("--seeds", type=int, nargs="*")
    ap.add_argument("--profile", default="small")
    ap.add_argument("--avx2", action="store_true", help="torch, oneDNN and MKL on their AVX2 kernels")
    args = ap.parse_args()
    from react_bench.methods.config import AVX2_NUMERICS      # torch-free: torch starts after the re-exec

    if args.avx2 and any(os.environ.get(k) != v for k, v in AVX2_NUMERICS.items()):
        # read when torch starts: start again with them set
        os.execve(sys.executable, sys.orig_argv, {**os.environ, **AVX2_NUMERICS})
    from bench_baselines import failed_row
    from react_bench.pipeline import resolve_data, run_method

    todo = _stored(args.store, args.methods, args.seeds, args.profile)
    if not todo:
        raise SystemExit(f"no stored test results of {args.methods or 'any method'} on the {args.profile} profile "
                         f"in {args.store}")
    source = resolve_data(None, args.profile)
    from react_bench.data.reader import dataset_fingerprint

    fingerprint = dataset_fingerprint(source.root, "test")
    other = sorted({r["method"] for r in todo if (r.get("dataset") or {}).get("fingerprint") not in (None, fingerprint)})
    if other:
        raise SystemExit(f"stored results of {other} were made on another {args.profile} world than "
                         f"{source.root} (fingerprint {fingerprint[:12]}): a re-run could not tell code from data")
    kernels = "AVX2 kernels" if args.avx2 else "this CPU's own kernels"
    print(f"re-running {len(todo)} stored results on the {args.profile} world (CPU, FRRea off, {kernels})")
    print("| method | seed | stored at | stored sha256 | new sha256 | same bytes | "
          + " | ".join(f"{m} stored / new" for m in METRICS) + " | s |")
    print("|---|---|---|---|---|---|" + "---|" * len(METRICS) + "---|")
    for stored in todo:
        tick = time.perf_counter()
        try:
            config = _overrides(stored["method"], args.profile, stored["method_config"])
            with tempfile.TemporaryDirectory() as out:
                out = Path(out)
                outcome = run_method(stored["method"], source, "test", seed=int(stored["seed"]), device="cpu",
                                     submissions=out / "submissions", store=out / "results", runs=out / "runs",
                                     fid=False, method_config=config, leaderboard=None, log=lambda _msg: None)
                new = outcome.score.result if outcome.score else {}
        except Exception as error:        # report and go on: one failure does not hide the other rows
            print(failed_row(f"{stored['method']} | {stored['seed']}", error, 0), flush=True)
            continue
        old_scores, new_scores = _scores(stored), _scores(new)
        cells = " | ".join(f"{old_scores.get(m, float('nan')):.4f} / {new_scores.get(m, float('nan')):.4f}"
                           for m in METRICS)
        same = stored["predictions_sha256"] == new.get("predictions_sha256")
        print(f"| {stored['method']} | {stored['seed']} | {str(stored.get('git_sha', ''))[:8]} | "
              f"{stored['predictions_sha256'][:12]} | {str(new.get('predictions_sha256'))[:12]} | "
              f"{'yes' if same else 'NO'} | {cells} | {time.perf_counter() - tick:.0f} |", flush=True)


if __name__ == "__main__":
    main()

"""Does the original's sampler explain Huang (S)'s FRDiv in the REGNN paper (0.181)?

The authors' TensorFlow sampler keeps dropout on at inference; react-bench's Huang_S turns it off
(docs/baselines.md, Huang_S departures) and gets FRDiv ~0.002. This trains Huang_S on the small
profile (train split) and scores 10 samples per val direction twice: dropout off (the port) and
dropout on in G's three dropout layers (the TF sampler; masks from torch's global RNG, seeded).
A diagnostic only: no method setting changes.

``--codes`` adds two rows that say which half of the code z = [continuous | identity] the samples'
differences come from: the continuous code alone (identity fixed to class 0) and the identity alone
(continuous code 0). ``--config JSON`` trains with config overrides (e.g. '{"l1_weight": 1}'), to test
what makes the generator ignore its code.

    python benchmarks/huang_s_inference_dropout.py [--seed 0] [--codes] [--config JSON]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch


def main() -> None:
    from react_bench.data.reader import load_split
    from react_bench.metrics import score_arrays
    from react_bench.pipeline import build_method, resolve_data

    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--codes", action="store_true", help="also sample each half of the code alone")
    ap.add_argument("--config", type=json.loads, default={}, help="Huang_S config overrides (JSON)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    source = resolve_data(None, "small")
    train, val = load_split(source.root, "train"), load_split(source.root, "val")
    method = build_method("Huang_S", "small", args.config, resume=False)
    tick = time.perf_counter()
    with tempfile.TemporaryDirectory() as run_dir:
        method.fit(train, None, seed=args.seed, device="cpu", run_dir=Path(run_dir))
    print(f"Huang_S small {args.config or ''}, seed {args.seed}: fit {time.perf_counter() - tick:.0f} s; "
          f"val S={val.n_directions}")
    off = method.predict(val, n_samples=10, seed=args.seed)
    rows = [("dropout off (react-bench)", off)]
    if args.codes:
        n_cont = method.config.n_cont
        draw = method.draw_codes

        def only(keep: str):
            def codes(n: int, generator: torch.Generator) -> torch.Tensor:
                z = draw(n, generator).clone()
                if keep == "continuous":
                    z[:, n_cont:] = 0.0
                    z[:, n_cont] = 1.0                    # identity class 0 for every sample
                else:
                    z[:, :n_cont] = 0.0
                return z
            return codes

        for keep in ("continuous", "identity"):
            method.draw_codes = only(keep)
            rows.append((f"{keep} code alone", method.predict(val, n_samples=10, seed=args.seed)))
        method.draw_codes = draw

    g = method.model
    plain_eval = type(g).eval

    def eval_keeping_dropout(module=g):            # predict() calls model.eval(): keep dropout on
        plain_eval(module)
        for sub in module.modules():
            if isinstance(sub, torch.nn.Dropout):
                sub.train()
        return module

    g.eval = eval_keeping_dropout
    torch.manual_seed(args.seed)
    on = method.predict(val, n_samples=10, seed=args.seed)
    metrics = ["FRDist", "FRCorr", "FRDiv", "FRVar", "FRDvs"]
    print("| sampler | " + " | ".join(metrics) + " |")
    print("|---|" + "---|" * len(metrics))
    for name, pred in rows + [("dropout on (the TF sampler)", on)]:
        scores = score_arrays(pred, val.listener, val.speaker, val.appropriate, metrics=metrics)
        print(f"| {name} | " + " | ".join(f"{float(scores[k]):.4f}" for k in metrics) + " |")


if __name__ == "__main__":
    main()

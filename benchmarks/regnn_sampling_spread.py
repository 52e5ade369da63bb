"""Effective output-space spread of each REGNN sampling preset on a trained model (docs/regnn.md).

The latent noise passes through Mot^-1, whose ActNorm layers scale it by about prod_l exp(-s_l), so
a preset's sigma does not mean the same output spread for every model depth. This prints, per
preset, the latent rms of the sampled offset, the rms of the decoded windows' offset from the
noiseless decode, their ratio (the decoder's gain), and the rms after overlap-averaging to frames.

    python benchmarks/regnn_sampling_spread.py runs/<run-id>/model [--profile small] [--clips 8]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch


def main() -> None:
    from react_bench.data.reader import load_split
    from react_bench.methods.regnn import REGNNMethod
    from react_bench.methods.regnn.config import SAMPLING_PRESETS
    from react_bench.pipeline import resolve_data

    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--profile", default="small")
    ap.add_argument("--clips", type=int, default=8)
    args = ap.parse_args()
    torch.set_num_threads(1)
    test = load_split(resolve_data(None, args.profile).root, "test")
    rows = slice(0, args.clips)
    sub = type(test)(test.name, test.speaker_paths[rows], test.listener_paths[rows], test.speaker[rows],
                     test.listener[rows], test.video[rows], test.audio[rows], None, test.fingerprint, test.meta)
    method = REGNNMethod(profile=args.profile)
    method.load(args.model)
    base = method.config
    print(f"model {args.model}: layers {base.layers}")
    print("| preset | sigma | tau | frame-level rms offset from the noiseless decode | FRDiv-equivalent 2·rms² |")
    print("|---|---|---|---|---|")
    method.config = base.replace(sampling="official", sigma=0.0)
    clean = method.predict(sub, n_samples=1, seed=0)[:, 0]
    for name, preset in SAMPLING_PRESETS.items():
        method.config = base.replace(sampling=name, **preset)
        pred = method.predict(sub, n_samples=10, seed=0)
        rms = float(np.sqrt(((pred - clean[:, None]) ** 2).mean()))
        spread = float(np.sqrt(pred.var(axis=1, ddof=1).mean()))
        print(f"| {name} | {preset['sigma']} | {preset['noise_tau']} | {rms:.4f} (sample spread {spread:.4f}) | "
              f"{2 * spread ** 2:.4f} |")


if __name__ == "__main__":
    main()

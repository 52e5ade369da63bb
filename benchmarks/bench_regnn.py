"""REGNN speed benchmark (and, optionally, the full GPU pipeline).

Speed (default): training steps/s at batch 128 speaker windows with up to 10 appropriate reactions
each, and inference seconds per clip (10 samples, 29 windows), on random tensors of the REACT
shapes, for the chosen model width (``--model paper`` = the official sizes). The official figures
it compares against (1.7 s/step, 4.0 s/clip, one NVIDIA H200) come from
../shared/reference/regnn_official.md §7.2, *not* from this run.

Full pipeline (``--pipeline``, meant for a GPU session): generate the paper-size synthetic dataset
(react_bench.data.synth.write_synthetic_dataset), train the ``paper`` profile (100 x 101 steps),
predict the test split and score it with react_bench.metrics.score_arrays. Needs neither tslearn
nor pytorch-fid. The dataset is reused if ``<out>/data`` exists and training resumes from
``<out>/run/checkpoint.pt``, so the pipeline can be run in several calls (e.g. under a per-command
time limit): rerun the same command until it prints the scores.

    python benchmarks/bench_regnn.py                          # speed, auto device
    python benchmarks/bench_regnn.py --model small --device cpu --steps 5 --clips 4
    python benchmarks/bench_regnn.py --pipeline --out /tmp/regnn_paper --device cuda
    python benchmarks/bench_regnn.py --pipeline --data-profile smoke --regnn-profile smoke --out /tmp/x
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

OFFICIAL_STEP_S = 1.7       # regnn_official.md §7.2: one full train step, H200, batch 128 x 10
OFFICIAL_CLIP_S = 4.0       # regnn_official.md §7.2: inference, one clip, 10 samples, H200


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def random_split(n: int, video_dim: int, audio_dim: int, seed: int = 0, degree: int = 12):
    """S = n directions of random REACT-shaped arrays; every speaker has ``degree`` neighbours, so a
    training step always carries the full 10 reactions per window."""
    from react_bench.data.split import SplitData

    rng = np.random.default_rng(seed)
    app = np.zeros((n, n), np.uint8)
    for k in range(n):
        app[k, rng.choice(n, size=min(degree, n), replace=False)] = 1
        app[k, k] = 1
    listener = (rng.random((n, 750, 25)) < 0.3).astype(np.float32)
    speaker = rng.random((n, 750, 25), dtype=np.float32)
    return SplitData.from_arrays("bench", speaker, listener,
                                 video=rng.standard_normal((n, 750, video_dim), dtype=np.float32),
                                 audio=rng.standard_normal((n, 750, audio_dim), dtype=np.float32), appropriate=app)


def bench_speed(args: argparse.Namespace, device: torch.device) -> dict:
    from react_bench.methods.regnn.config import make_config
    from react_bench.methods.regnn.model import REGNNModel
    from react_bench.methods.regnn.train import DeviceData, generate, training_step

    cfg = make_config(args.model, batch_size=args.batch, max_reactions=10, video_dim=args.video_dim,
                      audio_dim=args.audio_dim, infer_batch_clips=args.infer_batch_clips)
    torch.manual_seed(0)
    model = REGNNModel(cfg).to(device)
    split = random_split(args.directions, args.video_dim, args.audio_dim)
    data = DeviceData.from_split(split, cfg, device)
    gen = torch.Generator(device=device).manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    model.train()
    times = []
    for i in range(args.warmup + args.steps):
        items = torch.randint(0, data.item_speaker.numel(), (cfg.batch_size,), generator=gen, device=device)
        _sync(device)
        t0 = time.perf_counter()
        loss, _, _ = training_step(model, data, items, cfg, 0.01 if i else None, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        _sync(device)
        if i >= args.warmup:
            times.append(time.perf_counter() - t0)
    step_s = float(np.median(times))
    test = random_split(args.clips, args.video_dim, args.audio_dim, seed=1)
    model.eval()
    generate(model, cfg, random_split(1, args.video_dim, args.audio_dim, seed=2), n_samples=10, seed=0,
             device=device)                                          # warm-up
    _sync(device)
    t0 = time.perf_counter()
    generate(model, cfg, test, n_samples=10, seed=0, device=device)
    _sync(device)
    clip_s = (time.perf_counter() - t0) / args.clips
    peak = torch.cuda.max_memory_allocated(device) / 2 ** 30 if device.type == "cuda" else None
    return {"device": _device_name(device), "model": args.model, "threads": torch.get_num_threads(),
            "batch": cfg.batch_size, "reactions_per_window": 10, "video_dim": args.video_dim,
            "audio_dim": args.audio_dim, "train_step_s": step_s, "train_steps_per_s": 1.0 / step_s,
            "infer_s_per_clip": clip_s, "infer_clips": args.clips, "peak_gpu_gib": peak,
            "official_step_s_H200_from_notes": OFFICIAL_STEP_S, "official_clip_s_H200_from_notes": OFFICIAL_CLIP_S,
            "speedup_step_vs_official": OFFICIAL_STEP_S / step_s, "speedup_clip_vs_official": OFFICIAL_CLIP_S / clip_s}


def run_pipeline(args: argparse.Namespace, device: torch.device) -> dict:
    from react_bench.data.reader import load_split
    from react_bench.data.synth import write_synthetic_dataset
    from react_bench.methods.regnn import REGNNMethod
    from react_bench.metrics import score_arrays, score_arrays_timed

    out = Path(args.out)
    data_dir = out / "data"
    timings = {}
    t0 = time.perf_counter()
    if not (data_dir / "dataset.json").exists():
        write_synthetic_dataset(data_dir, profile=args.data_profile, seed=0)
    train, test = load_split(data_dir, "train"), load_split(data_dir, "test")
    timings["data_s"] = time.perf_counter() - t0
    overrides = {"infer_batch_clips": args.infer_batch_clips}
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    method = REGNNMethod(profile=args.regnn_profile, **overrides)
    t0 = time.perf_counter()
    method.fit(train, None, seed=1, device=str(device), run_dir=out / "run", resume=True)
    timings["train_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = method.predict(test, n_samples=10, seed=1)
    timings["predict_s"] = time.perf_counter() - t0
    np.save(out / "test_predictions.npy", pred)
    score_device = "cuda" if device.type == "cuda" else "cpu"
    # With --score-warm, scored twice: the first pass pays numba/Triton compilation on a fresh
    # machine, the second is the steady-state time of the whole scorer.
    for label in ("score", "score_warm") if args.score_warm else ("score",):
        t0 = time.perf_counter()
        scores, per_group = score_arrays_timed(pred, test.listener, test.speaker, test.appropriate,
                                               device=score_device)
        timings[f"{label}_s"] = time.perf_counter() - t0
        timings[f"{label}_per_group_s"] = per_group
    baselines = {}
    rng = np.random.default_rng(0)
    for name, p in (("B_Mime", np.repeat(test.speaker[:, None], 10, axis=1)),
                    ("B_Random", rng.random(pred.shape, dtype=np.float32))):
        baselines[name] = score_arrays(p, test.listener, test.speaker, test.appropriate,
                                       device="cuda" if device.type == "cuda" else "cpu",
                                       metrics=["FRCorr", "FRDist"])
    result = {"device": _device_name(device), "data_profile": args.data_profile,
              "regnn_profile": args.regnn_profile, "timings": timings,
              "modules_loaded": {m: m in sys.modules for m in ("tslearn", "pytorch_fid")},
              "regnn": scores, "baselines": baselines, "history_last": method.history[-1]}
    (out / "pipeline.json").write_text(json.dumps(result, indent=2))
    return result


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    import platform
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads)"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--model", default="paper", choices=["paper", "small", "smoke"], help="model width profile")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--clips", type=int, default=8)
    p.add_argument("--directions", type=int, default=64, help="random training directions")
    p.add_argument("--video-dim", type=int, default=128)
    p.add_argument("--audio-dim", type=int, default=64)
    p.add_argument("--infer-batch-clips", type=int, default=8)
    p.add_argument("--pipeline", action="store_true", help="run the full generate/train/predict/score pipeline")
    p.add_argument("--out", default="regnn_pipeline", help="output folder of --pipeline")
    p.add_argument("--data-profile", default="paper", help="synthetic profile for --pipeline")
    p.add_argument("--regnn-profile", default="paper", help="REGNN training profile for --pipeline "
                   "(smoke/small: a quick CPU dry run of the same code path)")
    p.add_argument("--epochs", type=int, default=None, help="override the profile's number of epochs")
    p.add_argument("--score-warm", action="store_true",
                   help="--pipeline: score REGNN a second time to time the warm scorer")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    if args.pipeline:
        result = run_pipeline(args, device)
        print(json.dumps(result, indent=2))
        return 0
    r = bench_speed(args, device)
    print(f"REGNN speed on {r['device']} (model '{r['model']}', video {r['video_dim']}-d, audio {r['audio_dim']}-d)")
    print(f"  train: {r['train_step_s']:.3f} s/step = {r['train_steps_per_s']:.2f} steps/s "
          f"(batch {r['batch']} windows x 10 reactions, median of {args.steps})")
    print(f"  inference: {r['infer_s_per_clip']:.3f} s/clip (10 samples x 29 windows, {r['infer_clips']} clips)")
    if r["peak_gpu_gib"] is not None:
        print(f"  peak GPU memory: {r['peak_gpu_gib']:.2f} GiB")
    print(f"  official figures FROM THE NOTES (regnn_official.md §7.2, one H200; not measured here): "
          f"{OFFICIAL_STEP_S} s/step, {OFFICIAL_CLIP_S} s/clip")
    print(f"  ratio official/ours: train x{r['speedup_step_vs_official']:.2f}, "
          f"inference x{r['speedup_clip_vs_official']:.2f}"
          + ("" if device.type == "cuda" else "  (CPU here vs the notes' GPU: not a like-for-like comparison)"))
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())

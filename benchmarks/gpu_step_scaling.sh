#!/usr/bin/env bash
# Why the paper schedules miss 10 minutes on one GPU: a second prepared device check, after
# gpu_baselines.sh. Every baseline's paper-profile training step, timed over STEPS steps (the first
# call's 20-step epochs carry CUDA warm-up), at the original batch sizes and at 4x them. A step
# whose time barely grows with 4x the batch is bound by kernel launches and Python, not by the GPU's
# arithmetic. L2L's inference is timed again with larger rollout batches. TransVAE_online (0.7 s a
# step: 47 sequential windows) is left out. At most about 6 minutes.
# Usage: OUT=/some/dir bash benchmarks/gpu_step_scaling.sh [STEPS]
set -u
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-/tmp/react-bench-gpu}; mkdir -p "$OUT"
STEPS=${1:-100}; START=$(date +%s)
export REACT_BENCH_CACHE=${REACT_BENCH_CACHE:-/tmp/react-bench-gpu-cache}
ONLY="UNet TransVAE Huang_S DyadGAN L2L BeLFusion regnn"
nvidia-smi --query-gpu=name --format=csv,noheader | tee "$OUT/device.txt"
python3 -c "import time; from react_bench.data.default import default_dataset_root as d; t = time.time(); \
print(d('paper', 0).name, f'{time.time() - t:.1f} s')"
for scale in 1 4; do
  echo "== paper profile, $STEPS steps per stage, batch x$scale ($(( $(date +%s) - START )) s so far)"
  timeout 150 python3 benchmarks/bench_baselines.py --profile paper --device cuda --steps "$STEPS" \
    --test-clips 256 --batch-scale "$scale" --set predict_batch=256 --only $ONLY 2>&1 \
    | tee "$OUT/bench_paper_cuda_steps${STEPS}_batch${scale}.md"
done
echo "== done in $(( $(date +%s) - START )) s"

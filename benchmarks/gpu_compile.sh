#!/usr/bin/env bash
# The next GPU check of the open speed targets (issue 13 §3, issue 14 §3), prepared 2026-12-07
# without a GPU. gpu_step_scaling.sh (2026-12-04, H200) showed the paper-profile training steps
# are launch-bound (4x the batch cost about the same per step), and L2L's inference missed
# 0.01 s/clip (0.0215 at 256 directions a batch).
#   1. eager, then compiled (REACT_BENCH_COMPILE=MODE via --compile; react_bench.methods.training.
#      compiled), every stage cut to 2 epochs of STEPS steps on the paper profile. steps/s and the
#      projected schedule come from the second epoch, so compilation and CUDA warm-up stay out of
#      them (compile seconds are in "fit s"). One process per mode, methods in order of compile
#      cost; rows print as they finish, so a timeout keeps the rows before it.
#   2. L2L inference on 256 test directions (predict_batch 256), fp32 and with TF32 matmuls
#      (bench --tf32: a measurement only, no method sets it).
# On the CPU (2026-12-07) the compiled path trains every baseline, with no CPU speed-up (CPU steps
# are compute-bound). Worst case about 590 s: call it with timeout_s 600.
# Usage: OUT=/some/dir bash benchmarks/gpu_compile.sh [STEPS] [MODE]
set -u -o pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-/tmp/react-bench-gpu}; mkdir -p "$OUT"
STEPS=${1:-30}; MODE=${2:-reduce-overhead}; START=$(date +%s)
export REACT_BENCH_CACHE=${REACT_BENCH_CACHE:-/tmp/react-bench-gpu-cache}
export TORCHINDUCTOR_CACHE_DIR=${TORCHINDUCTOR_CACHE_DIR:-/tmp/react-bench-inductor}
ORDER="TransVAE DyadGAN Huang_S UNet BeLFusion L2L TransVAE_online"
nvidia-smi --query-gpu=name --format=csv,noheader | tee "$OUT/device.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$OUT/device.txt"
python3 -c "import time; from react_bench.data.default import default_dataset_root as d; t = time.time(); \
print(d('paper', 0).name, f'{time.time() - t:.1f} s')" | tee "$OUT/paper_world.txt"
for mode in off "$MODE"; do
  limit=$([ "$mode" = off ] && echo 120 || echo 300)
  echo "== compile $mode, $STEPS steps x 2 epochs per stage, limit $limit s ($(( $(date +%s) - START )) s so far)"
  timeout "$limit" python3 benchmarks/bench_baselines.py --profile paper --device cuda --steps "$STEPS" --epochs 2 \
    --test-clips 64 --compile "$mode" --only $ORDER 2>&1 | grep -E '^\||^profile|Error' \
    | tee "$OUT/bench_compile_${mode}.md" || echo "(stopped at the $limit s limit or failed)"
done
for tf32 in "" --tf32; do
  echo "== L2L inference, 256 directions a batch ${tf32:-fp32} ($(( $(date +%s) - START )) s so far)"
  timeout 60 python3 benchmarks/bench_baselines.py --profile paper --device cuda --steps 2 --test-clips 256 \
    --set predict_batch=256 $tf32 --only L2L 2>&1 | grep -E '^\||^profile|Error' \
    | tee "$OUT/bench_l2l_inference${tf32:+_tf32}.md" || echo "(stopped at the 60 s limit or failed)"
done
echo "== done in $(( $(date +%s) - START )) s"

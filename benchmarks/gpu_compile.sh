#!/usr/bin/env bash
# The next GPU check of the paper-schedule target (issue 13 §3, issue 14 §3): does compiling the
# training steps' networks (REACT_BENCH_COMPILE, react_bench.methods.training.compiled) take the
# launch cost out of the originals' many small steps? gpu_step_scaling.sh (2026-12-04, H200) showed
# the steps are launch-bound: 4x the batch cost about the same per step.
# Per method, eager and compiled (reduce-overhead: CUDA graphs), each stage cut to 2 epochs of STEPS
# steps; steps/s and the projected schedule come from the second epoch, so compilation and warm-up
# stay out of them (the compile seconds are in "fit s"). Both runs in one call, on one GPU, so the
# ratio is like for like. Each method has its own timeout: one that hangs or fails is reported and
# the others go on. Prepared 2026-12-07 without a GPU (CPU: the same code trains every baseline
# compiled, `default` mode; no CPU speed-up, the CPU steps are compute-bound). At most ~9 minutes.
# Usage: OUT=/some/dir bash benchmarks/gpu_compile.sh [STEPS] [MODE]
set -u -o pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-/tmp/react-bench-gpu}; mkdir -p "$OUT"
STEPS=${1:-30}; MODE=${2:-reduce-overhead}; START=$(date +%s)
export REACT_BENCH_CACHE=${REACT_BENCH_CACHE:-/tmp/react-bench-gpu-cache}
export TORCHINDUCTOR_CACHE_DIR=${TORCHINDUCTOR_CACHE_DIR:-/tmp/react-bench-inductor}
nvidia-smi --query-gpu=name --format=csv,noheader | tee "$OUT/device.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$OUT/device.txt"
python3 -c "import time; from react_bench.data.default import default_dataset_root as d; t = time.time(); \
print(d('paper', 0).name, f'{time.time() - t:.1f} s')" | tee "$OUT/paper_world.txt"
bench() {   # $1 compile mode, $2 method, $3 timeout s, $4 steps
  timeout "$3" python3 benchmarks/bench_baselines.py --profile paper --device cuda --steps "$4" --epochs 2 \
    --test-clips 64 --compile "$1" --only "$2" 2>&1 | grep -E '^\||^profile|Error' \
    || echo "| $2 | timed out or failed ($1, ${3} s) | | | | | |"
}
for mode in off "$MODE"; do
  echo "== compile $mode, $STEPS steps x 2 epochs per stage ($(( $(date +%s) - START )) s so far)"
  for method in TransVAE Huang_S DyadGAN BeLFusion L2L UNet TransVAE_online; do
    limit=$([ "$mode" = off ] && echo 60 || echo 100)
    steps=$([ "$method" = TransVAE_online ] && echo 5 || echo "$STEPS")     # 0.7 s a step eager
    bench "$mode" "$method" "$limit" "$steps"
  done | tee "$OUT/bench_compile_${mode}.md"
done
echo "== done in $(( $(date +%s) - START )) s"

#!/usr/bin/env bash
# The next GPU check of the open speed targets (issue 13 §3, issue 14 §3), prepared 2026-12-07
# without a GPU. gpu_step_scaling.sh (2026-12-04, H200) showed the paper-profile training steps
# are launch-bound (4x the batch cost about the same per step), and L2L's inference missed
# 0.01 s/clip (0.0215 at 256 directions a batch). In order of priority (a timeout keeps what ran):
#   0. cuda_graph_floor.py (~10 s): microseconds per small kernel eagerly and replayed from a CUDA
#      graph, to set against each schedule's budget per kernel (bench_baselines.py --kernels,
#      docs/baselines.md).
#   1. whole steps captured as CUDA graphs (--compile cuda-graphs; react_bench/methods/
#      step_graphs.py), every stage cut to 2 epochs of STEPS steps on the paper profile. steps/s and
#      the projected schedule come from the second epoch, so capture and CUDA warm-up stay out of
#      them; the last column says how many steps were replayed. Rows are written as they finish.
#   2. tests/test_compile_gpu.py -k "cuda-graphs or cuda_graphs": every baseline trains the same
#      short schedule eagerly and graph-replayed; losses must agree and steps must really have been
#      replayed (a graph replaying over memory a step still reads would corrupt training silently);
#      REGNN trains eagerly; a replayed Huang_S run resumes as if uninterrupted.
#   3. L2L inference on 256 test directions (predict_batch 256), fp32 matmuls and TF32 matmuls
#      (bench --tf32: a measurement only, no method sets it); then TF32 at 512 directions a batch
#      (the 2026-12-04 H200 figures still fell with the batch: 0.077 s/clip at 16, 0.0215 at 256).
#   4. the eager baseline of 1, like for like on this card.
#   5. torch.compile of the networks (--compile MODE, default reduce-overhead) and, for
#      reduce-overhead, its test, with the time left (compilation is slow).
# Every phase's limit is its cap or the time left of BUDGET seconds, whichever is less (BUDGET
# default 560; the paper world, ~80 s on a fresh machine, is generated first and counts), so the
# script ends before a 600 s device-call limit; a phase with under 15 s left is skipped. The unfiltered output (warnings, graph breaks, "skipping cudagraphs") is kept
# in $OUT/*.log beside the tables.
# Usage: OUT=/some/dir bash benchmarks/gpu_compile.sh [STEPS] [MODE] [BUDGET]
set -u -o pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-/tmp/react-bench-gpu}; mkdir -p "$OUT"
STEPS=${1:-30}; MODE=${2:-reduce-overhead}; BUDGET=${3:-560}; START=$(date +%s)
export REACT_BENCH_CACHE=${REACT_BENCH_CACHE:-/tmp/react-bench-gpu-cache}
export TORCHINDUCTOR_CACHE_DIR=${TORCHINDUCTOR_CACHE_DIR:-/tmp/react-bench-inductor}
export REACT_BENCH_TEST_CACHE=${REACT_BENCH_TEST_CACHE:-/tmp/react-bench-gpu-test-cache}
ORDER="TransVAE DyadGAN Huang_S UNet BeLFusion L2L TransVAE_online"
left() { echo $(( BUDGET - ($(date +%s) - START) )); }
limit() {   # $1: this phase's cap in s; $2: seconds to keep for the higher-priority phases after it
  local l=$(( $(left) - $2 )); [ "$l" -gt "$1" ] && l=$1; echo "$l"
}
run() {     # $1 limit s, $2 name of the output files, then the bench arguments
  local lim=$1 name=$2; shift 2
  [ "$lim" -lt 15 ] && { echo "== $name: skipped (no time left)"; return; }
  echo "== $name: limit $lim s ($(( $(date +%s) - START )) s so far)"
  timeout -k 5 "$lim" python3 benchmarks/bench_baselines.py "$@" 2>&1 | tee "$OUT/$name.log" \
    | grep --line-buffered -E '^\||^profile|Error' | tee "$OUT/$name.md" \
    || echo "(stopped at the $lim s limit, or failed: see $OUT/$name.log)"
}
nvidia-smi --query-gpu=name --format=csv,noheader | tee "$OUT/device.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$OUT/device.txt"
timeout 40 python3 benchmarks/cuda_graph_floor.py 2>&1 | tee "$OUT/cuda_graph_floor.md" \
  || echo "(cuda_graph_floor stopped at 40 s, or failed)"
timeout 150 python3 -c "import time; from react_bench.data.default import default_dataset_root as d; t = time.time(); \
print(d('paper', 0).name, f'{time.time() - t:.1f} s')" | tee "$OUT/paper_world.txt"
COMMON="--profile paper --device cuda --steps $STEPS --epochs 2 --test-clips 64 --only $ORDER"
pytest_gpu() {  # $1 limit s, $2 name, $3 -k expression
  [ "$1" -lt 15 ] && { echo "== $2: skipped (no time left)"; return; }
  echo "== tests/test_compile_gpu.py -k '$3': limit $1 s"
  timeout -k 5 "$1" python3 -m pytest -q -m gpu -p no:cacheprovider tests/test_compile_gpu.py -k "$3" 2>&1 \
    | tee "$OUT/$2.log" | tail -15 | tee "$OUT/$2.txt" || echo "(stopped at the $1 s limit, or failed)"
}
# in order of priority, each phase capped; the eager baseline runs in the same call, so that the
# speed-ups compare like for like on whichever card this is
run "$(limit 110 0)" bench_cuda_graphs $COMMON --compile cuda-graphs
pytest_gpu "$(limit 100 0)" pytest_cuda_graphs "cuda-graphs or cuda_graphs"
L2L="--profile paper --device cuda --steps 2 --test-clips 256 --set predict_batch=256 --only L2L"
run "$(limit 25 0)" bench_l2l_inference_fp32 $L2L
run "$(limit 25 0)" bench_l2l_inference_tf32 $L2L --tf32
run "$(limit 30 0)" bench_l2l_inference_tf32_b512 ${L2L/predict_batch=256/predict_batch=512} --test-clips 512 --tf32
run "$(limit 100 0)" bench_compile_off $COMMON --compile off
run "$(limit 150 0)" "bench_compile_$MODE" $COMMON --compile "$MODE"
# tests/test_compile_gpu.py checks torch.compile in reduce-overhead mode only
[ "$MODE" = reduce-overhead ] && pytest_gpu "$(limit 90 0)" pytest_compile_reduce_overhead reduce-overhead
echo "== done in $(( $(date +%s) - START )) s"

#!/usr/bin/env bash
# One prepared GPU check of the trained baselines (issue 13 §3/§5, issue 14 §3), for a lent
# device machine:
#   1. the CUDA-only baseline tests (each baseline's small-profile network and schedule trained on
#      the GPU over the smoke world);
#   2. the speed of every baseline on the paper profile: steps/s with each training stage cut to one
#      epoch of STEPS steps, the projected time of the whole paper schedule (target: at most
#      10 minutes), and inference s per clip for 10 samples over TEST_CLIPS test clips (target: at
#      most 0.01 s).
# The paper world (2962 pairs, single-threaded: 79 s on the H200 machine, 128 s on a 2-core dev box,
# measured 2026-12-04) is generated on the CPU while step 1 uses the GPU. At most 8 minutes in all (inner timeouts 200 + 280 s), so one call fits
# the device tool's 10-minute limit with room to spare.
# Usage: OUT=/some/dir bash benchmarks/gpu_baselines.sh [STEPS] [TEST_CLIPS]
set -u
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-/tmp/react-bench-gpu}; mkdir -p "$OUT"
STEPS=${1:-20}; TEST_CLIPS=${2:-256}; START=$(date +%s)
export REACT_BENCH_CACHE=${REACT_BENCH_CACHE:-/tmp/react-bench-gpu-cache}
export REACT_BENCH_TEST_CACHE=${REACT_BENCH_TEST_CACHE:-/tmp/react-bench-gpu-test-cache}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/device.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$OUT/device.txt"
echo "== generating the paper world in the background"
python3 -c "import time; from react_bench.data.default import default_dataset_root as d; t = time.time(); \
print(d('paper', 0).name, f'{time.time() - t:.1f} s')" > "$OUT/paper_world.txt" 2>&1 &
GEN=$!
echo "== CUDA-only baseline tests"
timeout 200 python3 -m pytest -q -m gpu -p no:cacheprovider tests/test_baselines_gpu.py 2>&1 | tail -15 \
  | tee "$OUT/pytest_baselines_gpu.txt"
echo "== waiting for the paper world ($(( $(date +%s) - START )) s so far)"
wait $GEN; cat "$OUT/paper_world.txt"
echo "== paper-profile speed, every stage cut to 1 epoch of $STEPS steps, inference on $TEST_CLIPS clips"
timeout 280 python3 benchmarks/bench_baselines.py --profile paper --device cuda --steps "$STEPS" \
  --test-clips "$TEST_CLIPS" 2>&1 | tee "$OUT/bench_baselines_paper_cuda.md"
echo "== done in $(( $(date +%s) - START )) s"

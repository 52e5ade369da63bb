#!/usr/bin/env bash
# One prepared GPU check of the trained baselines (issue 13 §3/§5, issue 14 §3), for a lent
# device machine: the CUDA-only baseline tests (small-profile networks and schedules trained on the
# GPU), then the speed of every baseline on the paper profile (the paper world is generated there,
# about a minute on an H200): steps/s with each stage cut to one epoch, the projected time of the
# whole paper schedule (target: at most 10 minutes), and inference s per clip for 10 samples
# (target: at most 0.01 s). At most 9 minutes in all (inner timeouts 180 + 360 s), so one call fits
# the device tool's 10-minute limit.
# Usage: OUT=/some/dir bash benchmarks/gpu_baselines.sh [steps]
set -u
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-/tmp/react-bench-gpu}; mkdir -p "$OUT"
STEPS=${1:-20}; START=$(date +%s)
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/device.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$OUT/device.txt"
echo "== CUDA-only baseline tests"
timeout 180 python3 -m pytest -q -m gpu -p no:cacheprovider tests/test_baselines_gpu.py 2>&1 | tail -15 \
  | tee "$OUT/pytest_baselines_gpu.txt"
echo "== paper-profile speed, every stage cut to 1 epoch of $STEPS steps"
timeout 360 python3 benchmarks/bench_baselines.py --profile paper --device cuda --steps "$STEPS" 2>&1 \
  | tee "$OUT/bench_baselines_paper_cuda.md"
echo "== done in $(( $(date +%s) - START )) s"

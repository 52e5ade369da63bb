#!/usr/bin/env bash
# One prepared GPU check for the device machine: the CUDA-only tests, REGNN speed at the official
# widths, then the paper-profile pipeline (generate data there, train, predict the test split, score
# it and the B_Mime / B_Random rows). The number of epochs is chosen from the measured step time so
# the whole call fits its budget. The full paper schedule alone, in about 8.5 minutes on an H200:
#   OUT=/some/dir EPOCHS=100 SKIP_CHECKS=1 bash benchmarks/gpu_session.sh 590
# The warm whole-scorer time is benchmarks/gpu_scorer_warm.py's job.
# Usage: OUT=/some/dir bash benchmarks/gpu_session.sh [total-seconds]
set -u
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-/tmp/react-bench-gpu}; mkdir -p "$OUT"
TOTAL=${1:-480}; START=$(date +%s)
# the 3.8 GB dataset and checkpoints stay outside $OUT (only small files come back)
PIPE=${PIPE:-/tmp/react-bench-pipeline}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)"
# SKIP_CHECKS=1 skips the tests and the speed benchmark (about 65 s), e.g. for EPOCHS=100 alone.
if [ -z "${SKIP_CHECKS:-}" ]; then
echo "== CUDA-only tests (also fills numba's on-disk cache for the scorer below)"
timeout 120 python3 -m pytest -q -m gpu -p no:cacheprovider tests/test_dtw_triton.py tests/test_ccc_torch.py \
  tests/test_metrics_core.py 2>&1 | tail -15 | tee "$OUT/pytest_gpu.txt"
echo "== REGNN speed (official widths, batch 128 x 10 reactions, random tensors)"
python3 benchmarks/bench_regnn.py --device cuda --model paper --steps 30 --warmup 5 --clips 32 | tee "$OUT/speed.txt"
STEP_S=$(tail -1 "$OUT/speed.txt" | python3 -c "import json,sys; print(json.load(sys.stdin)['train_step_s'])")
else
STEP_S=0.034   # the slower of the two H200 measurements (benchmarks/results/h200-*/speed.txt)
fi
LEFT=$(( TOTAL - ($(date +%s) - START) ))
# reserve for data generation (~55 s on an H200), prediction and scoring REGNN, Mime and Random
# (~30 s each on the paper split's dense appropriateness); an epoch is ~1.15 x 101 benchmark steps
EPOCHS=${EPOCHS:-$(python3 -c "print(max(1, min(100, int(($LEFT - ${RESERVE:-200}) / (1.15 * 101 * $STEP_S)))))")}
echo "== pipeline: ${EPOCHS} epochs x 101 steps (step ${STEP_S} s, ${LEFT} s left)"
timeout $(( LEFT - 10 )) python3 benchmarks/bench_regnn.py --pipeline --device cuda --out "$PIPE" \
  --epochs "$EPOCHS" > "$OUT/pipeline.txt" 2>&1; echo "pipeline exit $?"
tail -60 "$OUT/pipeline.txt"
cp "$PIPE"/run/losses.json "$PIPE"/run/training_curve.png "$PIPE"/pipeline.json "$OUT"/ 2>/dev/null
echo "== done in $(( $(date +%s) - START )) s"

#!/usr/bin/env bash
# One prepared GPU check for the device machine: REGNN speed at the official widths, then the
# paper-profile pipeline (generate data there, train, predict the test split, score it).
# The number of epochs is chosen from the measured step time so the whole call fits its budget;
# pass EPOCHS=100 for the full paper schedule when time allows.
# Usage: OUT=/some/dir bash benchmarks/gpu_session.sh [total-seconds]
set -u
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-/tmp/react-bench-gpu}; mkdir -p "$OUT"
TOTAL=${1:-480}; START=$(date +%s)
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)"
echo "== REGNN speed (official widths, batch 128 x 10 reactions, random tensors)"
python3 benchmarks/bench_regnn.py --device cuda --model paper --steps 30 --warmup 5 --clips 32 | tee "$OUT/speed.txt"
STEP_S=$(tail -1 "$OUT/speed.txt" | python3 -c "import json,sys; print(json.load(sys.stdin)['train_step_s'])")
LEFT=$(( TOTAL - ($(date +%s) - START) ))
# reserve ~200 s for data generation, prediction and scoring (REGNN + Mime + Random)
EPOCHS=${EPOCHS:-$(python3 -c "print(max(1, min(100, int(($LEFT - 200) / (101 * $STEP_S)))))")}
echo "== pipeline: ${EPOCHS} epochs x 101 steps (step ${STEP_S} s, ${LEFT} s left)"
timeout $(( LEFT - 10 )) python3 benchmarks/bench_regnn.py --pipeline --device cuda --out "$OUT/pipeline" \
  --epochs "$EPOCHS" > "$OUT/pipeline.txt" 2>&1; echo "pipeline exit $?"
tail -60 "$OUT/pipeline.txt"
cp "$OUT"/pipeline/run/losses.json "$OUT"/pipeline/run/training_curve.png "$OUT"/pipeline/pipeline.json "$OUT"/ 2>/dev/null
rm -rf "$OUT/pipeline"
echo "== done in $(( $(date +%s) - START )) s"

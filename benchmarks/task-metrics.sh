#!/usr/bin/env bash
# Task metrics of lossy passes (BENCHMARKS.md): compresses vit-mnist and chargpt-fortunes with every lossy mode,
# then evaluates each on the rows not used for calibration against fp32 on the same rows, with batch latency.
# Usage: benchmarks/task-metrics.sh [OUT_DIR]   (needs `make build`; prints one TSV line per variant)
#        ONLY='gptq' benchmarks/task-metrics.sh    (only the variants whose name matches the regex)
set -euo pipefail
ONNXC=${ONNXC:-artifacts/bin/onnxc}
MODELS=${MODELS:-/work/shared/models}
OUT=${1:-artifacts/task-metrics}
REPEAT=${REPEAT:-7}
mkdir -p "$OUT"

size() { local s; s=$(stat -c %s "$1"); [ -f "$1.data" ] && s=$((s + $(stat -c %s "$1.data"))); echo "$s"; }

# run MODEL_NAME CALIB_ROWS METRIC VARIANT [optimize args...]
run() {
  local name=$1 rows=$2 metric=$3 variant=$4; shift 4
  if [ -n "${ONLY:-}" ] && ! [[ $variant =~ $ONLY ]]; then return; fi
  local dir=$MODELS/$name src=$MODELS/$name/model.onnx out=$OUT/$name.$variant.onnx calib=$MODELS/$name/x_test.npy
  # SparseGPT reads up to 128 calibration rows whatever --calibration-samples says: give it a file of exactly $rows rows.
  [ -n "${CALIB_OVERRIDE:-}" ] && calib=$CALIB_OVERRIDE
  local args=("$@")
  args=("${args[@]//@CALIB@/$calib}")
  local t0 t1
  t0=$(date +%s.%N)
  "$ONNXC" optimize "$src" -o "$out" -q "${args[@]}" 2> "$OUT/$name.$variant.log" || { echo "FAILED $name $variant"; cat "$OUT/$name.$variant.log"; return; }
  t1=$(date +%s.%N)
  local json
  json=$("$ONNXC" evaluate "$out" --inputs "$dir/x_test.npy" --labels "$dir/y_test.npy" --metric "$metric" \
    --baseline "$src" --skip "$rows" --repeat "$REPEAT" --json)
  printf '%s\t%s\t%s\t%s\t%.2f\t%s\n' "$name" "$variant" "$(size "$src")" "$(size "$out")" "$(echo "$t1 - $t0" | bc)" "$json"
}

for spec in "vit-mnist 128 accuracy" "chargpt-fortunes 32 cross-entropy"; do
  set -- $spec; name=$1; rows=$2; metric=$3
  C=(--calibration @CALIB@ --calibration-samples "$rows")
  run "$name" "$rows" "$metric" O2 -O 2
  run "$name" "$rows" "$metric" pre-rmsnorm --passes remove-identity,infer-shapes,fuse-layer-norm,infer-shapes,pre-rmsnorm
  run "$name" "$rows" "$metric" int4-rtn-b32 --quantize int4 --block-size 32
  run "$name" "$rows" "$metric" int4-rtn-b128 --quantize int4 --block-size 128
  run "$name" "$rows" "$metric" int4-gptq-b32 --quantize int4 --quantize-method gptq --block-size 32 "${C[@]}"
  run "$name" "$rows" "$metric" int4-gptq-b128 --quantize int4 --quantize-method gptq --block-size 128 "${C[@]}"
  run "$name" "$rows" "$metric" int4-gptq-b32-act-static --quantize int4 --quantize-method gptq --block-size 32 --act-order static "${C[@]}"
  run "$name" "$rows" "$metric" int4-gptq-b32-act-gidx --quantize int4 --quantize-method gptq --block-size 32 --act-order g-idx "${C[@]}"
  run "$name" "$rows" "$metric" int8-wo-rtn --quantize int8
  run "$name" "$rows" "$metric" int8-dynamic --quantize int8-dynamic
  for m in minmax percentile entropy; do
    run "$name" "$rows" "$metric" "int8-static-$m" --quantize int8-static --calibration-method "$m" "${C[@]}"
  done
  run "$name" "$rows" "$metric" mixed-size0.6 --quantize mixed --size-budget 0.6 "${C[@]}"
  run "$name" "$rows" "$metric" mixed-cos0.99999 --quantize mixed --accuracy-budget 0.99999 "${C[@]}"
  run "$name" "$rows" "$metric" sparse24-magnitude --sparsity 2:4 --sparsity-method magnitude
  [ "$name" = chargpt-fortunes ] && export CALIB_OVERRIDE=${CHARGPT_CALIB:-}
  run "$name" "$rows" "$metric" sparse24-sparsegpt --sparsity 2:4 --sparsity-method sparsegpt --calibration @CALIB@
  run "$name" "$rows" "$metric" sparse24-sparsegpt-int8 --sparsity 2:4 --sparsity-method sparsegpt --calibration @CALIB@ --sparse-values int8 --target ort+onnxc
  unset CALIB_OVERRIDE
done

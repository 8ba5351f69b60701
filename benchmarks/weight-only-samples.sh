#!/usr/bin/env bash
# Weight-only quantization on the BERT-, GPT-2- and Llama-shaped base samples (BENCHMARKS.md "Weight-only
# quantization"): size ratio, end-to-end fidelity on held-back generated inputs (--report), quantization time, and
# ORT CPU latency (ORT_ENABLE_ALL, 1 thread, batch 1 × sequence 128) of fp32 vs each variant, run alternately.
# Usage: benchmarks/weight-only-samples.sh [OUT_DIR]   (needs `make build`)
#        MODELS='bert-base' VARIANTS='int4-rtn' benchmarks/weight-only-samples.sh   (a subset)
set -euo pipefail
ONNXC=${ONNXC:-artifacts/bin/onnxc}
BENCH=${BENCH:-artifacts/build/bin/Onnxc.Benchmarks/release/Onnxc.Benchmarks.dll}
OUT=${1:-artifacts/weight-only-samples}
MODELS=${MODELS:-bert-base gpt2-base llama-base}
VARIANTS=${VARIANTS:-int4-rtn int4-gptq int8-rtn}
REPEAT=${REPEAT:-10}
mkdir -p "$OUT"

size() { local s; s=$(stat -c %s "$1"); [ -f "$1.data" ] && s=$((s + $(stat -c %s "$1.data"))); echo "$s"; }
args_of() {
  case $1 in
    int4-rtn) echo "--quantize int4" ;;
    int4-gptq) echo "--quantize int4 --quantize-method gptq --calibration-samples 16" ;;
    int8-rtn) echo "--quantize int8" ;;
    *) echo "unknown variant $1" >&2; exit 2 ;;
  esac
}
latency() { dotnet "$BENCH" latency "$1" --dim batch=1 --dim sequence=128 --upper input_ids=1000 --upper token_type_ids=2 --repeat "$REPEAT" | grep -o 'median [0-9.]*' | cut -d' ' -f2; }

printf 'model\tvariant\tfp32 bytes\tbytes\tratio\tseconds\tcpu seconds\tfidelity\tlatency fp32\tlatency variant\tload\n'
for model in $MODELS; do
  src=$OUT/$model.onnx
  [ -f "$src" ] || "$ONNXC" sample "$model" -o "$src" --external-data > /dev/null
  for variant in $VARIANTS; do
    out=$OUT/$model.$variant.onnx
    # shellcheck disable=SC2046
    /usr/bin/time -f '%e %U %S' -o "$OUT/$model.$variant.time" \
      "$ONNXC" optimize "$src" -o "$out" -q --external-data $(args_of "$variant") --report "$OUT/$model.$variant.md" 2> "$OUT/$model.$variant.log"
    read -r wall user sys < <(tail -1 "$OUT/$model.$variant.time")
    fidelity=$(grep -o 'cosine [0-9.]*, max abs error [0-9.e+-]*, top-1 agreement [0-9.]* %' "$OUT/$model.$variant.md" || echo '-')
    # fp32 and the variant alternately, twice, so load changes hit both.
    a1=$(latency "$src"); b1=$(latency "$out"); a2=$(latency "$src"); b2=$(latency "$out")
    printf '%s\t%s\t%s\t%s\t%.2f\t%s\t%.1f\t%s\t%s | %s\t%s | %s\t%s\n' "$model" "$variant" "$(size "$src")" "$(size "$out")" \
      "$(echo "$(size "$src") / $(size "$out")" | bc -l)" "$wall" "$(echo "$user + $sys" | bc -l)" "$fidelity" "$a1" "$a2" "$b1" "$b2" "$(cut -d' ' -f1 /proc/loadavg)"
  done
done

#!/usr/bin/env bash
# The demo: generate the bundled sample (a small BERT-shaped encoder), optimize it, verify the result against
# the original with ONNX Runtime, and show what changed.
set -euo pipefail
onnxc=$1
out=$2
mkdir -p "$out"
model="$out/bert-tiny.onnx"
optimized="$out/bert-tiny.opt.onnx"

echo "== 1. generate the sample model"
"$onnxc" sample bert-tiny -o "$model"
echo
echo "== 2. inspect it"
"$onnxc" inspect "$model"
echo
echo "== 3. optimize (-O 2)"
"$onnxc" optimize "$model" -o "$optimized" -O 2
echo
echo "== 4. verify the optimized model against the original (ONNX Runtime, CPU)"
"$onnxc" verify "$model" "$optimized" --samples 4 --dim batch=2 --dim sequence=32
echo
echo "== 5. inspect the optimized model"
"$onnxc" inspect "$optimized"
echo
echo "demo finished: models in $out"

#!/usr/bin/env bash
# Benchmarks for BENCHMARKS.md: out-of-process import+export time and peak memory of `onnxc optimize -O 0` on a
# BERT-base-sized sample with external data, then the BenchmarkDotNet suite (in-process timings).
set -euo pipefail
onnxc=$1
work=artifacts/bench
mkdir -p "$work"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "date: $(date -u +%Y-%m-%d)"
"$onnxc" sample bert-base -o "$work/bert-base.onnx" --external-data
weights=$(stat -c %s "$work/bert-base.onnx.data")
echo "weights: $weights bytes in external data"
for run in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$onnxc" optimize -O 0 -q "$work/bert-base.onnx" -o "$work/bert-base.rt.onnx" --external-data
    read -r seconds peak_kib < "$work/time.txt"
    awk -v s="$seconds" -v p="$peak_kib" -v w="$weights" -v r="$run" \
        'BEGIN { printf "run %d: import+export end to end %.2f s (process start included), peak RSS %.0f MiB = %.2fx weight bytes\n", r, s, p/1024, p*1024/w }'
done
cmp -s "$work/bert-base.onnx.data" "$work/bert-base.rt.onnx.data" && echo "round-tripped external data is byte-identical"
if [ "${BENCH_SKIP_BDN:-0}" != 1 ]; then
    dotnet run -c Release --project benchmarks/Onnxc.Benchmarks -- --filter '*ImportExport*' --artifacts "$work/bdn"
fi

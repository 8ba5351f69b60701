#!/usr/bin/env bash
# Runs the xUnit suite and ends with the plain summary line CI reads: "N passed, N failed, N skipped".
set -uo pipefail
config=${1:-Release}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test --project tests/Onnxc.Tests -c "$config" --no-build -- --output Detailed --no-progress 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Print why each skipped test skipped, so a skip is never silent.
grep -E '^\s*skipped ' "$log" | sed 's/^\s*/  /' || true
total=$(grep -Eo 'total: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Eo 'failed: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
passed=$(grep -Eo 'succeeded: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
skipped=$(grep -Eo 'skipped: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$total" -eq 0 ]; then
    exit 1
fi

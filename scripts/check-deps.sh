#!/usr/bin/env bash
# Checks that the .NET 10 SDK is present; everything else comes from NuGet during restore.
set -euo pipefail
if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET 10 SDK (dotnet) is not on PATH; install it from your distribution or Microsoft's packages" >&2
    exit 2
fi
major=$(dotnet --version | cut -d. -f1)
if [ "$major" -lt 10 ]; then
    echo "error: onnxc needs the .NET 10 SDK or newer; found $(dotnet --version)" >&2
    exit 2
fi

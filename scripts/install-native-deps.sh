#!/usr/bin/env bash
# Installs what the native custom-op library needs from Debian's packages when missing: cmake and a C++ compiler
# (the library itself) and clang (compiles the CUDA kernel to PTX without the CUDA SDK). Never fatal: without
# them `make native` skips the parts it cannot build and says so.
set -uo pipefail
missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v c++ >/dev/null 2>&1 || missing+=(g++)
command -v clang++ >/dev/null 2>&1 || missing+=(clang)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "native: missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]}) to build all of the custom-op library"
    exit 0
fi
echo "native: installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "native: could not install ${missing[*]}; continuing without them"
fi
exit 0

# onnxc — top-level tasks. `make demo` and `make test` are the two commands a newcomer needs (README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

CONFIG     ?= Release
DOTNET     ?= dotnet
BIN        := artifacts/bin
ONNXC      := $(BIN)/onnxc
DEMO_OUT   := artifacts/demo
DOTNET_FLAGS := -c $(CONFIG) --nologo -v quiet -clp:ErrorsOnly

export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: build deps restore native test conformance demo bench format clean

## deps: check the toolchain this repository needs (the .NET 10 SDK); installs nothing else today.
deps:
	@scripts/check-deps.sh

restore: deps
	$(DOTNET) restore Compiler.sln --nologo -v quiet

## native: the custom-op library (Backends/CustomOps, CMake, C++17; PTX for the CUDA kernel when clang++ exists),
## built against the ONNX Runtime headers of the restored NuGet package and copied next to the CLI.
ORT_VERSION  := $(shell sed -n 's/.*"Microsoft.ML.OnnxRuntime" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
NUGET_ROOT   := $(or $(NUGET_PACKAGES),$(HOME)/.nuget/packages)
ORT_INCLUDE  ?= $(NUGET_ROOT)/microsoft.ml.onnxruntime/$(ORT_VERSION)/build/native/include
NATIVE_LIB   := artifacts/native/libonnxc_customops.so
native: restore
	@scripts/install-native-deps.sh
	@if ! command -v cmake >/dev/null || ! command -v c++ >/dev/null; then \
	  echo "native: cmake or a C++ compiler is missing; skipping the custom-op library (models with com.onnxc ops will not run)"; \
	elif [ ! -f "$(ORT_INCLUDE)/onnxruntime_cxx_api.h" ]; then \
	  echo "native: ONNX Runtime headers not found at $(ORT_INCLUDE) (set ORT_INCLUDE=...); skipping"; \
	else \
	  cmake -S Backends/CustomOps/native -B artifacts/native -DORT_INCLUDE_DIR="$(ORT_INCLUDE)" -DCMAKE_BUILD_TYPE=Release >/dev/null && \
	  cmake --build artifacts/native -j 2 && \
	  mkdir -p $(BIN)/onnxc-app && cp $(NATIVE_LIB) $(BIN)/onnxc-app/ && echo "built $(NATIVE_LIB)"; \
	fi

## build: compile everything and leave a launcher at artifacts/bin/onnxc.
build: restore native
	$(DOTNET) build Compiler.sln $(DOTNET_FLAGS) --no-restore
	$(DOTNET) publish Compiler/Onnxc.Compiler.csproj $(DOTNET_FLAGS) --no-restore --no-build -o $(BIN)/onnxc-app
	@if [ -f $(NATIVE_LIB) ]; then cp $(NATIVE_LIB) $(BIN)/onnxc-app/; fi
	@printf '#!/usr/bin/env bash\nexec "$$(dirname "$$(readlink -f "$$0")")/onnxc-app/onnxc" "$$@"\n' > $(ONNXC)
	@chmod +x $(ONNXC)
	@echo "built $(ONNXC)"

## test: the whole test suite (unit, golden, IR round trip, conformance subset, bad-input corpus).
test: build
	@scripts/run-tests.sh $(CONFIG)

## conformance: every ONNX backend test in ../shared/conformance, round-tripped through the IR.
conformance: build
	$(ONNXC) conformance ../shared/conformance --json artifacts/conformance.json

## demo: build, generate the bundled sample model, optimize it, verify it against the original, inspect it.
demo: build
	@scripts/demo.sh $(ONNXC) $(DEMO_OUT)

## bench: import/export benchmark on a BERT-base-sized sample (figures go to BENCHMARKS.md by hand).
bench: build
	@scripts/bench.sh $(ONNXC)

format:
	$(DOTNET) format Compiler.sln

clean:
	rm -rf artifacts

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

.PHONY: build deps restore test conformance demo bench format clean

## deps: check the toolchain this repository needs (the .NET 10 SDK); installs nothing else today.
deps:
	@scripts/check-deps.sh

restore: deps
	$(DOTNET) restore Compiler.sln --nologo -v quiet

## build: compile everything and leave a launcher at artifacts/bin/onnxc.
build: restore
	$(DOTNET) build Compiler.sln $(DOTNET_FLAGS) --no-restore
	$(DOTNET) publish Compiler/Onnxc.Compiler.csproj $(DOTNET_FLAGS) --no-restore --no-build -o $(BIN)/onnxc-app
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

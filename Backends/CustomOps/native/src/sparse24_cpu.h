// CPU kernel of the SparseMatMul24 ops: Y[M, N] = act(A[M, K] · decompress(W)ᵀ · scale + bias), accumulated in float32.
// W is pre-packed (sparse24_pack.h) with fp32, fp16 or int8 values. Free of ONNX Runtime so that any thread pool
// can drive it: split the work into TileCount() items and run each.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sparse24_pack.h"

namespace onnxc::sparse24 {

enum class Activation { kNone, kRelu, kGelu };

struct Problem {
  int64_t m = 0;
  const float* a = nullptr;              // [M, K], K = weights->k
  const PackedWeights* weights = nullptr;
  const float* bias = nullptr;           // [N] or null
  Activation activation = Activation::kNone;
  float* y = nullptr;                    // [M, N]
};

// Number of independent work items of a problem (row blocks × column blocks); each writes its own part of Y.
size_t TileCount(const Problem& p);

// Computes work item `tile` (0 <= tile < TileCount(p)). Thread-safe for distinct tiles.
void RunTile(const Problem& p, size_t tile);

// Whether the AVX2/FMA/F16C code path is used on this CPU (for reports and tests); ONNXC_CPU_KERNEL=portable
// (read once, when the library loads) forces the plain loop.
bool UsesAvx2();

}  // namespace onnxc::sparse24

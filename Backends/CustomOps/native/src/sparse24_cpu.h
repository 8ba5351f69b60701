// CPU kernel of SparseMatMul24: Y[M, N] = act(A[M, K] · decompress(values, meta)ᵀ + bias), float32.
// Free of ONNX Runtime so that it can be driven by any thread pool: split the work into Tiles() and run each.
#pragma once

#include <cstddef>
#include <cstdint>

namespace onnxc::sparse24 {

enum class Activation { kNone, kRelu, kGelu };

struct Problem {
  int64_t m = 0, n = 0, k = 0;
  const float* a = nullptr;        // [M, K]
  const float* values = nullptr;   // [N, K/2]
  const uint8_t* meta = nullptr;   // [N, ceil(K/8)]
  const float* bias = nullptr;     // [N] or null
  Activation activation = Activation::kNone;
  float* y = nullptr;              // [M, N]
};

// Number of independent work items of a problem (row tiles × column blocks); each writes its own part of Y.
size_t TileCount(const Problem& p);

// Computes work item `tile` (0 <= tile < TileCount(p)). Thread-safe for distinct tiles.
void RunTile(const Problem& p, size_t tile);

// Whether the AVX2/FMA code path is used on this CPU (for reports and tests).
bool UsesAvx2();

// float16 <-> float32 conversion of `count` elements (F16C where available).
void HalfToFloat(const uint16_t* in, float* out, size_t count);
void FloatToHalf(const float* in, uint16_t* out, size_t count);

}  // namespace onnxc::sparse24

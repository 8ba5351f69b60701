// The 2:4 compressed weight layout shared by the C# pass (Passes/Sparsity/Sparse24Format.cs), the CPU kernel
// and the CUDA kernel. Keep the three in step.
//
// A dense weight W used as Y = A · W (W is [K, N]) is stored transposed, one row per output column n:
//   values [N, K/2]        the two kept weights of every group of 4 along K, in increasing k order.
//   meta   [N, ceil(K/8)]  uint8; group g of row n (k = 4g .. 4g+3) owns 4 bits of byte g/2: the low nibble for
//                          even g, the high nibble for odd g. In a nibble, bits 0-1 are the position (0..3) of the
//                          first kept weight, bits 2-3 the position of the second (first < second). An unused
//                          high nibble (K/4 odd) is 0.
// K must be a multiple of 4: the kernels refuse other K rather than guess a padding (the pass leaves such
// layers dense).
#pragma once

#include <cstddef>
#include <cstdint>

namespace onnxc::sparse24 {

constexpr int64_t MetaBytesPerRow(int64_t k) { return (k + 7) / 8; }

// Positions (0..3) of the two kept weights of group g in a meta row.
inline void GroupPositions(const uint8_t* meta_row, int64_t g, int& first, int& second) {
  const uint8_t nibble = static_cast<uint8_t>((g & 1) ? (meta_row[g >> 1] >> 4) : (meta_row[g >> 1] & 0xF));
  first = nibble & 3;
  second = (nibble >> 2) & 3;
}

}  // namespace onnxc::sparse24

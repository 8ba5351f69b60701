// The 2:4 weight re-laid out once, when the kernel is created, for the CPU micro-kernel (sparse24_cpu.cc).
//
// The model's layout (sparse24_format.h) keeps one row of kept values per output column. The kernel instead works on
// panels of 8 output columns, the width of an AVX2 register, so that one register holds the same group's kept
// weight of 8 columns and the output is written 8 columns at a time:
//   meta   [panels][K/4]          uint32: the 4-bit group nibbles of the panel's 8 columns (column j in bits 4j..4j+3)
//   values [panels][K/4][2][8]    the first kept weight of the 8 columns, then the second, as `ValueType`
//   scales [panels * 8]           float, int8 values only: the per-output-column dequantization scale
// Columns past N in the last panel are zero weights (meta nibble 0), so the kernel never branches on N inside K.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace onnxc::sparse24 {

enum class ValueType { kFloat32, kFloat16, kInt8 };

constexpr int64_t kPanelWidth = 8;

size_t ValueSize(ValueType type);

struct PackedWeights {
  int64_t n = 0, k = 0;
  ValueType type = ValueType::kFloat32;
  std::unique_ptr<uint32_t, decltype(&std::free)> meta{nullptr, &std::free};
  std::unique_ptr<uint8_t, decltype(&std::free)> values{nullptr, &std::free};  // elements of `type`
  std::unique_ptr<float, decltype(&std::free)> scales{nullptr, &std::free};    // int8 only

  int64_t Panels() const { return (n + kPanelWidth - 1) / kPanelWidth; }
  int64_t Groups() const { return k / 4; }
  template <typename V>
  const V* Values() const { return reinterpret_cast<const V*>(values.get()); }
};

// Packs B_values [N, K/2] (elements of `type`) and B_meta [N, ceil(K/8)]; `scales` [N] is read for kInt8 only.
// K must be a multiple of 4 (checked by the caller).
PackedWeights Pack(ValueType type, const void* values, const uint8_t* meta, const float* scales, int64_t n, int64_t k);

}  // namespace onnxc::sparse24

#include "sparse24_pack.h"

#include <cstring>
#include <new>

#include "sparse24_format.h"

namespace onnxc::sparse24 {
namespace {

template <typename T>
std::unique_ptr<T, decltype(&std::free)> Allocate(size_t count) {
  // 64-byte alignment: every panel's group starts on a cache line (fp32) and aligned vector loads are legal.
  const size_t bytes = ((count * sizeof(T) + 63) / 64) * 64;
  void* memory = std::aligned_alloc(64, bytes == 0 ? 64 : bytes);
  if (memory == nullptr) throw std::bad_alloc();
  std::memset(memory, 0, bytes == 0 ? 64 : bytes);
  return {static_cast<T*>(memory), &std::free};
}

}  // namespace

size_t ValueSize(ValueType type) {
  switch (type) {
    case ValueType::kFloat16: return 2;
    case ValueType::kInt8: return 1;
    default: return 4;
  }
}

PackedWeights Pack(ValueType type, const void* values, const uint8_t* meta, const float* scales, int64_t n, int64_t k) {
  PackedWeights packed;
  packed.n = n;
  packed.k = k;
  packed.type = type;
  const int64_t panels = packed.Panels(), groups = packed.Groups(), meta_row = MetaBytesPerRow(k);
  const size_t size = ValueSize(type);
  packed.meta = Allocate<uint32_t>(static_cast<size_t>(panels * groups));
  packed.values = Allocate<uint8_t>(static_cast<size_t>(panels * groups * 2 * kPanelWidth) * size);
  const auto* source = static_cast<const uint8_t*>(values);
  for (int64_t col = 0; col < n; ++col) {
    const int64_t panel = col / kPanelWidth, lane = col % kPanelWidth;
    const uint8_t* meta_row_ptr = meta + col * meta_row;
    for (int64_t g = 0; g < groups; ++g) {
      const uint32_t nibble = (g & 1) ? (meta_row_ptr[g >> 1] >> 4) : (meta_row_ptr[g >> 1] & 0xF);
      packed.meta.get()[panel * groups + g] |= nibble << (4 * lane);
      for (int64_t half = 0; half < 2; ++half) {
        const int64_t target = ((panel * groups + g) * 2 + half) * kPanelWidth + lane;
        std::memcpy(packed.values.get() + target * size, source + (col * (k / 2) + 2 * g + half) * size, size);
      }
    }
  }
  if (type == ValueType::kInt8) {
    packed.scales = Allocate<float>(static_cast<size_t>(panels * kPanelWidth));
    std::memcpy(packed.scales.get(), scales, static_cast<size_t>(n) * sizeof(float));
  }
  return packed;
}

}  // namespace onnxc::sparse24

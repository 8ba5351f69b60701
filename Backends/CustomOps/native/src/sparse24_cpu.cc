#include "sparse24_cpu.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "sparse24_format.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define ONNXC_X86 1
#define ONNXC_AVX2 __attribute__((target("avx2,fma,f16c")))
#else
#define ONNXC_X86 0
#endif

namespace onnxc::sparse24 {
namespace {

// 16 rows = two 8-float registers per output column; 4 columns at a time keep 8 accumulators live and reuse
// the packed A tile from L1. Column blocks of 64 keep one tile's values/meta within L2 while spreading work.
constexpr int64_t kRowTile = 16;
constexpr int64_t kColumnsPerStep = 4;
constexpr int64_t kColumnBlock = 64;

int64_t ColumnBlocks(const Problem& p) { return (p.n + kColumnBlock - 1) / kColumnBlock; }

float Activate(float x, Activation activation) {
  switch (activation) {
    case Activation::kRelu: return x > 0.0f ? x : 0.0f;
    case Activation::kGelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    default: return x;
  }
}

void Store(const Problem& p, int64_t row, int64_t col, float sum) {
  if (p.bias != nullptr) sum += p.bias[col];
  p.y[row * p.n + col] = Activate(sum, p.activation);
}

// One output element the plain way; used for the last rows of a tile and on CPUs without AVX2.
float DotRow(const Problem& p, const float* a_row, int64_t col) {
  const float* values = p.values + col * (p.k / 2);
  const uint8_t* meta = p.meta + col * MetaBytesPerRow(p.k);
  float sum = 0.0f;
  for (int64_t g = 0; g < p.k / 4; ++g) {
    int first, second;
    GroupPositions(meta, g, first, second);
    sum += values[2 * g] * a_row[4 * g + first] + values[2 * g + 1] * a_row[4 * g + second];
  }
  return sum;
}

void RunTilePortable(const Problem& p, int64_t row_begin, int64_t row_end, int64_t col_begin, int64_t col_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    for (int64_t c = col_begin; c < col_end; ++c) Store(p, r, c, DotRow(p, p.a + r * p.k, c));
  }
}

#if ONNXC_X86
// Gather offsets of the 4 kept weights of two groups (one meta byte) relative to the first group's start.
struct ByteOffsets {
  alignas(16) int32_t offsets[256][4];
  ByteOffsets() {
    for (int b = 0; b < 256; ++b) {
      offsets[b][0] = b & 3;
      offsets[b][1] = (b >> 2) & 3;
      offsets[b][2] = 4 + ((b >> 4) & 3);
      offsets[b][3] = 4 + ((b >> 6) & 3);
    }
  }
};
const ByteOffsets kOffsets;

// One row against one column with 8-wide gathers: the path for rows that do not fill a 16-row tile (M=1 decode).
ONNXC_AVX2 float DotRowAvx2(const Problem& p, const float* a_row, int64_t col) {
  const float* values = p.values + col * (p.k / 2);
  const uint8_t* meta = p.meta + col * MetaBytesPerRow(p.k);
  const int64_t groups = p.k / 4;
  const __m256i eight = _mm256_set_epi32(8, 8, 8, 8, 0, 0, 0, 0);
  __m256 acc = _mm256_setzero_ps();
  int64_t g = 0;
  for (; g + 4 <= groups; g += 4) {  // 4 groups = 16 k = 2 meta bytes = 8 kept weights
    const __m128i lo = _mm_load_si128(reinterpret_cast<const __m128i*>(kOffsets.offsets[meta[g >> 1]]));
    const __m128i hi = _mm_load_si128(reinterpret_cast<const __m128i*>(kOffsets.offsets[meta[(g >> 1) + 1]]));
    const __m256i index = _mm256_add_epi32(_mm256_set_m128i(hi, lo), eight);
    const __m256 a = _mm256_i32gather_ps(a_row + 4 * g, index, 4);
    acc = _mm256_fmadd_ps(a, _mm256_loadu_ps(values + 2 * g), acc);
  }
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_hadd_ps(s, s);
  s = _mm_hadd_ps(s, s);
  float sum = _mm_cvtss_f32(s);
  for (; g < groups; ++g) {
    int first, second;
    GroupPositions(meta, g, first, second);
    sum += values[2 * g] * a_row[4 * g + first] + values[2 * g + 1] * a_row[4 * g + second];
  }
  return sum;
}

// Accumulates `count` (1..4) columns against a packed 16-row tile `at` ([K][16]) into out[column][row].
ONNXC_AVX2 void Micro16(const Problem& p, const float* at, int64_t col, int count, float out[kColumnsPerStep][kRowTile]) {
  const int64_t half_k = p.k / 2, meta_row = MetaBytesPerRow(p.k), groups = p.k / 4;
  __m256 acc[kColumnsPerStep][2];
  const float* values[kColumnsPerStep];
  const uint8_t* meta[kColumnsPerStep];
  for (int j = 0; j < kColumnsPerStep; ++j) {
    acc[j][0] = acc[j][1] = _mm256_setzero_ps();
    const int64_t c = col + std::min(j, count - 1);  // duplicates keep the loop branch-free; results dropped
    values[j] = p.values + c * half_k;
    meta[j] = p.meta + c * meta_row;
  }
  for (int64_t g = 0; g < groups; ++g) {
    const float* group = at + 4 * g * kRowTile;
    const int shift = (g & 1) * 4;
    for (int j = 0; j < kColumnsPerStep; ++j) {
      const int nibble = (meta[j][g >> 1] >> shift) & 0xF;
      const float* first = group + (nibble & 3) * kRowTile;
      const float* second = group + (nibble >> 2) * kRowTile;
      const __m256 v0 = _mm256_broadcast_ss(values[j] + 2 * g);
      const __m256 v1 = _mm256_broadcast_ss(values[j] + 2 * g + 1);
      acc[j][0] = _mm256_fmadd_ps(v0, _mm256_load_ps(first), acc[j][0]);
      acc[j][1] = _mm256_fmadd_ps(v0, _mm256_load_ps(first + 8), acc[j][1]);
      acc[j][0] = _mm256_fmadd_ps(v1, _mm256_load_ps(second), acc[j][0]);
      acc[j][1] = _mm256_fmadd_ps(v1, _mm256_load_ps(second + 8), acc[j][1]);
    }
  }
  for (int j = 0; j < kColumnsPerStep; ++j) {
    _mm256_storeu_ps(out[j], acc[j][0]);
    _mm256_storeu_ps(out[j] + 8, acc[j][1]);
  }
}

struct AlignedBuffer {
  float* data = nullptr;
  size_t size = 0;
  float* Get(size_t n) {
    if (n > size) {
      std::free(data);
      data = static_cast<float*>(std::aligned_alloc(32, ((n * sizeof(float) + 31) / 32) * 32));
      size = n;
    }
    return data;
  }
  ~AlignedBuffer() { std::free(data); }
};

ONNXC_AVX2 void RunTileAvx2(const Problem& p, int64_t row_begin, int64_t row_end, int64_t col_begin, int64_t col_end) {
  if (row_end - row_begin < kRowTile) {
    for (int64_t r = row_begin; r < row_end; ++r) {
      for (int64_t c = col_begin; c < col_end; ++c) Store(p, r, c, DotRowAvx2(p, p.a + r * p.k, c));
    }
    return;
  }
  // Pack A's tile transposed so each kept weight multiplies 16 rows with two aligned loads.
  thread_local AlignedBuffer buffer;
  float* at = buffer.Get(static_cast<size_t>(p.k * kRowTile));
  for (int64_t r = 0; r < kRowTile; ++r) {
    const float* a_row = p.a + (row_begin + r) * p.k;
    for (int64_t kk = 0; kk < p.k; ++kk) at[kk * kRowTile + r] = a_row[kk];
  }
  alignas(32) float out[kColumnsPerStep][kRowTile];
  for (int64_t c = col_begin; c < col_end; c += kColumnsPerStep) {
    const int count = static_cast<int>(std::min<int64_t>(kColumnsPerStep, col_end - c));
    Micro16(p, at, c, count, out);
    for (int j = 0; j < count; ++j) {
      for (int64_t r = 0; r < kRowTile; ++r) Store(p, row_begin + r, c + j, out[j][r]);
    }
  }
}

bool DetectAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}
#else
bool DetectAvx2() { return false; }
#endif

const bool kUseAvx2 = DetectAvx2();

// IEEE half <-> float without hardware support (subnormals, infinities and NaN included).
float HalfToFloatScalar(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal half: normalize
      int e = -1;
      uint32_t m = mantissa;
      do { ++e; m <<= 1; } while ((m & 0x400) == 0);
      bits = sign | ((127 - 15 - e) << 23) | ((m & 0x3FF) << 13);
    }
  } else if (exponent == 0x1F) {
    bits = sign | 0x7F800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t FloatToHalfScalar(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const uint32_t abs = bits & 0x7FFFFFFF;
  if (abs >= 0x7F800000) return static_cast<uint16_t>(sign | 0x7C00 | (abs > 0x7F800000 ? 0x200 : 0));
  if (abs >= 0x477FF000) return static_cast<uint16_t>(sign | 0x7C00);  // rounds to beyond 65504: infinity
  if (abs < 0x38800000) {  // half subnormal or zero: round to nearest even at 2^-24
    float magnitude;
    std::memcpy(&magnitude, &abs, sizeof magnitude);
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(magnitude * 16777216.0f)));
  }
  const uint32_t rounded = abs + 0xFFF + ((abs >> 13) & 1) - ((127 - 15) << 23);
  return static_cast<uint16_t>(sign | (rounded >> 13));
}

#if ONNXC_X86
ONNXC_AVX2 void HalfToFloatF16c(const uint16_t* in, float* out, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  }
  for (; i < count; ++i) out[i] = HalfToFloatScalar(in[i]);
}

ONNXC_AVX2 void FloatToHalfF16c(const float* in, uint16_t* out, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < count; ++i) out[i] = FloatToHalfScalar(in[i]);
}
#endif

}  // namespace

size_t TileCount(const Problem& p) {
  return static_cast<size_t>(((p.m + kRowTile - 1) / kRowTile) * ColumnBlocks(p));
}

void RunTile(const Problem& p, size_t tile) {
  const int64_t blocks = ColumnBlocks(p);
  const int64_t row_tile = static_cast<int64_t>(tile) / blocks, block = static_cast<int64_t>(tile) % blocks;
  const int64_t row_begin = row_tile * kRowTile, row_end = std::min(p.m, row_begin + kRowTile);
  const int64_t col_begin = block * kColumnBlock, col_end = std::min(p.n, col_begin + kColumnBlock);
#if ONNXC_X86
  if (kUseAvx2) {
    RunTileAvx2(p, row_begin, row_end, col_begin, col_end);
    return;
  }
#endif
  RunTilePortable(p, row_begin, row_end, col_begin, col_end);
}

bool UsesAvx2() { return kUseAvx2; }

void HalfToFloat(const uint16_t* in, float* out, size_t count) {
#if ONNXC_X86
  if (kUseAvx2) return HalfToFloatF16c(in, out, count);
#endif
  for (size_t i = 0; i < count; ++i) out[i] = HalfToFloatScalar(in[i]);
}

void FloatToHalf(const float* in, uint16_t* out, size_t count) {
#if ONNXC_X86
  if (kUseAvx2) return FloatToHalfF16c(in, out, count);
#endif
  for (size_t i = 0; i < count; ++i) out[i] = FloatToHalfScalar(in[i]);
}

}  // namespace onnxc::sparse24

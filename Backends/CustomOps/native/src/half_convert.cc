#include "half_convert.h"

#include <cmath>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define ONNXC_X86 1
#define ONNXC_F16C __attribute__((target("avx,f16c")))
#else
#define ONNXC_X86 0
#endif

namespace onnxc {
namespace {

#if ONNXC_X86
const bool kUseF16c = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
}();
#endif

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
ONNXC_F16C void HalfToFloatF16c(const uint16_t* in, float* out, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  }
  for (; i < count; ++i) out[i] = HalfToFloatScalar(in[i]);
}

ONNXC_F16C void FloatToHalfF16c(const float* in, uint16_t* out, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < count; ++i) out[i] = FloatToHalfScalar(in[i]);
}
#endif

}  // namespace

float HalfBitsToFloat(uint16_t h) { return HalfToFloatScalar(h); }

void HalfToFloat(const uint16_t* in, float* out, size_t count) {
#if ONNXC_X86
  if (kUseF16c) return HalfToFloatF16c(in, out, count);
#endif
  for (size_t i = 0; i < count; ++i) out[i] = HalfToFloatScalar(in[i]);
}

void FloatToHalf(const float* in, uint16_t* out, size_t count) {
#if ONNXC_X86
  if (kUseF16c) return FloatToHalfF16c(in, out, count);
#endif
  for (size_t i = 0; i < count; ++i) out[i] = FloatToHalfScalar(in[i]);
}

}  // namespace onnxc

#include "sparse24_cpu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "half_convert.h"
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

// A work item is up to 32 rows × 64 columns (8 panels): small enough that M=1 layers still split over the threads,
// large enough that one item's panels (64 columns × K/2 values) are read from L2 by all its rows.
constexpr int64_t kRowBlock = 32;
constexpr int64_t kPanelsPerBlock = 8;

int64_t ColumnBlocks(const Problem& p) { return (p.weights->Panels() + kPanelsPerBlock - 1) / kPanelsPerBlock; }

float Activate(float x, Activation activation) {
  switch (activation) {
    case Activation::kRelu: return x > 0.0f ? x : 0.0f;
    case Activation::kGelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    default: return x;
  }
}

// Writes the 8 sums of one row and panel (columns past N dropped), scaled (int8), biased and activated.
void StorePanel(const Problem& p, int64_t row, int64_t panel, const float* sums) {
  const PackedWeights& w = *p.weights;
  const int64_t col0 = panel * kPanelWidth, count = std::min<int64_t>(kPanelWidth, w.n - col0);
  float* y = p.y + row * w.n + col0;
  for (int64_t j = 0; j < count; ++j) {
    float sum = sums[j];
    if (w.scales) sum *= w.scales.get()[col0 + j];
    if (p.bias != nullptr) sum += p.bias[col0 + j];
    y[j] = Activate(sum, p.activation);
  }
}

float ValueAt(const PackedWeights& w, int64_t index);

// The plain loop over the packed layout, for CPUs without AVX2/FMA.
void RunPortable(const Problem& p, int64_t row_begin, int64_t row_end, int64_t panel_begin, int64_t panel_end) {
  const PackedWeights& w = *p.weights;
  const int64_t groups = w.Groups();
  for (int64_t panel = panel_begin; panel < panel_end; ++panel) {
    for (int64_t r = row_begin; r < row_end; ++r) {
      const float* a = p.a + r * w.k;
      float sums[kPanelWidth] = {};
      for (int64_t g = 0; g < groups; ++g) {
        const uint32_t nibbles = w.meta.get()[panel * groups + g];
        for (int64_t j = 0; j < kPanelWidth; ++j) {
          const uint32_t nibble = nibbles >> (4 * j);
          const int64_t base = ((panel * groups + g) * 2) * kPanelWidth + j;
          sums[j] += ValueAt(w, base) * a[4 * g + (nibble & 3)] + ValueAt(w, base + kPanelWidth) * a[4 * g + ((nibble >> 2) & 3)];
        }
      }
      StorePanel(p, r, panel, sums);
    }
  }
}

#if ONNXC_X86
template <typename V>
ONNXC_AVX2 inline __m256 Load8(const V* values);
template <>
ONNXC_AVX2 inline __m256 Load8(const float* values) { return _mm256_load_ps(values); }
template <>
ONNXC_AVX2 inline __m256 Load8(const uint16_t* values) {
  return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(values)));
}
template <>
ONNXC_AVX2 inline __m256 Load8(const int8_t* values) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(values))));
}

// e^x for x <= 0 (Cephes' expf: 2^n · p(r), r = x - n·ln2, |relative error| < 2e-7).
ONNXC_AVX2 inline __m256 ExpNegative(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 poly = _mm256_set1_ps(1.9875691500e-4f);
  poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(1.3981999507e-3f));
  poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(8.3334519073e-3f));
  poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(4.1665795894e-2f));
  poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(1.6666665459e-1f));
  poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 y = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(poly, r), r, r), _mm256_set1_ps(1.0f));
  const __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(exponent));
}

// GELU, erf form, 8 at a time: erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, the CUDA kernel's formula).
// std::erf per element cost more than the product itself at M=128 (measured: 26 ms instead of 9 ms).
ONNXC_AVX2 inline __m256 Gelu(__m256 x) {
  const __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f));
  const __m256 sign = _mm256_and_ps(z, _mm256_set1_ps(-0.0f));
  const __m256 az = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), z);
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(az, _mm256_set1_ps(0.3275911f), _mm256_set1_ps(1.0f)));
  __m256 poly = _mm256_set1_ps(1.061405429f);
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(-1.453152027f));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(1.421413741f));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(-0.284496736f));
  poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(0.254829592f));
  poly = _mm256_mul_ps(poly, t);
  const __m256 erf = _mm256_fnmadd_ps(poly, ExpNegative(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), az), az)), _mm256_set1_ps(1.0f));
  const __m256 signed_erf = _mm256_or_ps(erf, sign);
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.0f), signed_erf));
}

// The vector form of StorePanel: scale, bias and activation on 8 columns at once; a partial last panel goes through
// a buffer so that neither bias nor Y is read or written past N.
ONNXC_AVX2 void StorePanelAvx2(const Problem& p, int64_t row, int64_t panel, __m256 sum) {
  const PackedWeights& w = *p.weights;
  const int64_t col0 = panel * kPanelWidth, count = std::min<int64_t>(kPanelWidth, w.n - col0);
  if (w.scales) sum = _mm256_mul_ps(sum, _mm256_load_ps(w.scales.get() + col0));  // scales are padded to whole panels
  alignas(32) float buffer[kPanelWidth] = {};
  if (p.bias != nullptr) {
    if (count == kPanelWidth) {
      sum = _mm256_add_ps(sum, _mm256_loadu_ps(p.bias + col0));
    } else {
      std::copy(p.bias + col0, p.bias + col0 + count, buffer);
      sum = _mm256_add_ps(sum, _mm256_load_ps(buffer));
    }
  }
  if (p.activation == Activation::kRelu) sum = _mm256_max_ps(sum, _mm256_setzero_ps());
  if (p.activation == Activation::kGelu) sum = Gelu(sum);
  float* y = p.y + row * w.n + col0;
  if (count == kPanelWidth) {
    _mm256_storeu_ps(y, sum);
  } else {
    _mm256_store_ps(buffer, sum);
    std::copy(buffer, buffer + count, y);
  }
}

// R rows × P panels (8·P columns) over all of K, the "expanded index" way: a group's 4 A values are broadcast to
// both register halves and vpermilps picks, per column lane, the kept position its meta nibble names (vpermilps
// reads only bits 0-1 of each lane, so the nibbles need no masking). No gathers, no scalar index arithmetic; the
// meta of 8 columns is one 32-bit load. Two accumulators per output register (first and second kept weight) keep
// two independent FMA chains in flight; R·P·2 <= 8 of the 16 ymm registers.
template <int R, int P, typename V>
ONNXC_AVX2 void Micro(const Problem& p, int64_t row, int64_t panel) {
  const PackedWeights& w = *p.weights;
  const int64_t groups = w.Groups(), k = w.k;
  const uint32_t* meta = w.meta.get() + panel * groups;
  const V* values = w.Values<V>() + panel * groups * 2 * kPanelWidth;
  const float* a = p.a + row * k;
  const __m256i shifts = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
  __m256 acc[R][P][2];
  for (int r = 0; r < R; ++r) {
    for (int q = 0; q < P; ++q) acc[r][q][0] = acc[r][q][1] = _mm256_setzero_ps();
  }
  for (int64_t g = 0; g < groups; ++g) {
    __m128 x[R];
    for (int r = 0; r < R; ++r) x[r] = _mm_loadu_ps(a + r * k + 4 * g);
    for (int q = 0; q < P; ++q) {
      const __m256i first = _mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(meta[q * groups + g])), shifts);
      const __m256i second = _mm256_srli_epi32(first, 2);
      const V* v = values + (q * groups + g) * 2 * kPanelWidth;
      const __m256 v0 = Load8(v), v1 = Load8(v + kPanelWidth);
      for (int r = 0; r < R; ++r) {
        const __m256 both = _mm256_set_m128(x[r], x[r]);
        acc[r][q][0] = _mm256_fmadd_ps(_mm256_permutevar_ps(both, first), v0, acc[r][q][0]);
        acc[r][q][1] = _mm256_fmadd_ps(_mm256_permutevar_ps(both, second), v1, acc[r][q][1]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int q = 0; q < P; ++q) StorePanelAvx2(p, row + r, panel + q, _mm256_add_ps(acc[r][q][0], acc[r][q][1]));
  }
}

// Rows in steps of 4 against one panel at a time (the panel's values stay in L1 for all rows); leftover rows (the
// M=1 decode case above all) one at a time against 4 panels, so that 8 FMA chains are still independent.
template <typename V>
ONNXC_AVX2 void RunAvx2(const Problem& p, int64_t row_begin, int64_t row_end, int64_t panel_begin, int64_t panel_end) {
  const int64_t full_rows = row_begin + (row_end - row_begin) / 4 * 4;
  for (int64_t panel = panel_begin; panel < panel_end; ++panel) {
    for (int64_t r = row_begin; r < full_rows; r += 4) Micro<4, 1, V>(p, r, panel);
  }
  for (int64_t r = full_rows; r < row_end; ++r) {
    int64_t panel = panel_begin;
    for (; panel + 4 <= panel_end; panel += 4) Micro<1, 4, V>(p, r, panel);
    for (; panel < panel_end; ++panel) Micro<1, 1, V>(p, r, panel);
  }
}

bool DetectAvx2() {
  // ONNXC_CPU_KERNEL=portable forces the plain loop, so that it is testable on machines that have AVX2.
  if (const char* forced = std::getenv("ONNXC_CPU_KERNEL"); forced != nullptr && std::string(forced) == "portable") return false;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}
#else
bool DetectAvx2() { return false; }
#endif

const bool kUseAvx2 = DetectAvx2();

float ValueAt(const PackedWeights& w, int64_t index) {
  switch (w.type) {
    case ValueType::kFloat16: return HalfBitsToFloat(w.Values<uint16_t>()[index]);
    case ValueType::kInt8: return static_cast<float>(w.Values<int8_t>()[index]);
    default: return w.Values<float>()[index];
  }
}

}  // namespace

size_t TileCount(const Problem& p) {
  return static_cast<size_t>(((p.m + kRowBlock - 1) / kRowBlock) * ColumnBlocks(p));
}

void RunTile(const Problem& p, size_t tile) {
  const int64_t blocks = ColumnBlocks(p);
  const int64_t row_block = static_cast<int64_t>(tile) / blocks, block = static_cast<int64_t>(tile) % blocks;
  const int64_t row_begin = row_block * kRowBlock, row_end = std::min(p.m, row_begin + kRowBlock);
  const int64_t panel_begin = block * kPanelsPerBlock, panel_end = std::min(p.weights->Panels(), panel_begin + kPanelsPerBlock);
#if ONNXC_X86
  if (kUseAvx2) {
    switch (p.weights->type) {
      case ValueType::kFloat16: return RunAvx2<uint16_t>(p, row_begin, row_end, panel_begin, panel_end);
      case ValueType::kInt8: return RunAvx2<int8_t>(p, row_begin, row_end, panel_begin, panel_end);
      default: return RunAvx2<float>(p, row_begin, row_end, panel_begin, panel_end);
    }
  }
#endif
  RunPortable(p, row_begin, row_end, panel_begin, panel_end);
}

bool UsesAvx2() { return kUseAvx2; }

}  // namespace onnxc::sparse24

// CUDA kernel of com.onnxc SparseMatMul24 (layout: ../native/src/sparse24_format.h), float32.
// Compiled to PTX by clang without the CUDA SDK (see cuda/Ptx.cmake), so the qualifiers are defined here.
// One block computes a 32x32 tile of Y: the A tile [32, 64] is staged in shared memory per K step, each
// thread owns one output and walks the kept weights of its column, reading A from shared memory.
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))

#define THREAD_X __nvvm_read_ptx_sreg_tid_x()
#define THREAD_Y __nvvm_read_ptx_sreg_tid_y()
#define BLOCK_X __nvvm_read_ptx_sreg_ctaid_x()
#define BLOCK_Y __nvvm_read_ptx_sreg_ctaid_y()

namespace {
constexpr int kTile = 32;
constexpr int kStep = 64;  // K per shared-memory stage: 16 groups

// erf without libdevice (the PTX is built with -nocudalib): Abramowitz & Stegun 7.1.26, |error| < 1.5e-7.
__device__ float Erf(float x) {
  const float sign = x < 0.0f ? -1.0f : 1.0f;
  x = x < 0.0f ? -x : x;
  const float t = 1.0f / (1.0f + 0.3275911f * x);
  const float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  return sign * (1.0f - poly * __nvvm_ex2_approx_f(-x * x * 1.4426950409f));
}
}

// activation: 0 none, 1 relu, 2 gelu (erf)
extern "C" __global__ void onnxc_sparse_matmul24_f32(const float* a, const float* values, const unsigned char* meta,
                                                      const float* bias, float* y, long long m, long long n, long long k,
                                                      int activation) {
  __shared__ float a_tile[kTile][kStep + 1];
  const long long row = (long long)BLOCK_Y * kTile + THREAD_Y;
  const long long col = (long long)BLOCK_X * kTile + THREAD_X;
  const long long meta_row = (k + 7) / 8;
  float sum = 0.0f;
  for (long long k0 = 0; k0 < k; k0 += kStep) {
    for (int c = THREAD_X; c < kStep; c += kTile) {
      const long long kk = k0 + c;
      a_tile[THREAD_Y][c] = (row < m && kk < k) ? a[row * k + kk] : 0.0f;
    }
    __syncthreads();
    if (col < n) {
      const long long groups = (k - k0 < kStep ? k - k0 : kStep) / 4;
      for (long long g = 0; g < groups; ++g) {
        const long long group = k0 / 4 + g;
        const unsigned char byte = meta[col * meta_row + group / 2];
        const int nibble = (group & 1) ? (byte >> 4) : (byte & 15);
        sum += values[col * (k / 2) + 2 * group] * a_tile[THREAD_Y][4 * g + (nibble & 3)];
        sum += values[col * (k / 2) + 2 * group + 1] * a_tile[THREAD_Y][4 * g + (nibble >> 2)];
      }
    }
    __syncthreads();
  }
  if (row >= m || col >= n) return;
  if (bias) sum += bias[col];
  if (activation == 1) sum = sum > 0.0f ? sum : 0.0f;
  if (activation == 2) sum = 0.5f * sum * (1.0f + Erf(sum * 0.70710678f));
  y[row * n + col] = sum;
}

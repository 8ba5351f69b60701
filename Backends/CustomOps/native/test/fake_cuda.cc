// A stand-in libcuda.so.1 for tests on machines without a GPU (built as artifacts/native/fake-cuda/libcuda.so.1):
// the driver entry points cuda_driver.cc resolves, with host memory as "device" memory and a CPU interpretation of
// onnxc_sparse_matmul24_f32's launch. It checks what a real driver would not forgive (PTX holding the entry, a
// 32×32 block, argument order and types, a grid that covers Y: rows or columns outside the grid stay unwritten),
// so the GPU route's plumbing is tested end to end; the PTX itself is only ever run by a real GPU.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {
using CUresult = int;
using CUdeviceptr = unsigned long long;
constexpr CUresult kSuccess = 0, kInvalidValue = 1, kInvalidPtx = 218, kNotFound = 500;
int dummy_context, dummy_module, dummy_function;
bool said_launch = false;
}  // namespace

extern "C" {
CUresult cuInit(unsigned) { return kSuccess; }
CUresult cuDeviceGetCount(int* count) { *count = 1; return kSuccess; }
CUresult cuDeviceGet(int* device, int ordinal) { *device = ordinal; return ordinal == 0 ? kSuccess : kInvalidValue; }
CUresult cuDeviceGetName(char* name, int length, int) { std::snprintf(name, length, "onnxc fake CUDA device (CPU)"); return kSuccess; }
CUresult cuDevicePrimaryCtxRetain(void** context, int) { *context = &dummy_context; return kSuccess; }
CUresult cuCtxPushCurrent_v2(void* context) { return context == &dummy_context ? kSuccess : kInvalidValue; }
CUresult cuCtxPopCurrent_v2(void** context) { *context = &dummy_context; return kSuccess; }
CUresult cuModuleLoadData(void** module, const void* image) {
  if (std::strstr(static_cast<const char*>(image), ".entry onnxc_sparse_matmul24_f32") == nullptr) return kInvalidPtx;
  *module = &dummy_module;
  return kSuccess;
}
CUresult cuModuleGetFunction(void** function, void* module, const char* name) {
  if (module != &dummy_module || std::strcmp(name, "onnxc_sparse_matmul24_f32") != 0) return kNotFound;
  *function = &dummy_function;
  return kSuccess;
}
CUresult cuMemAlloc_v2(CUdeviceptr* pointer, size_t bytes) {
  *pointer = reinterpret_cast<CUdeviceptr>(std::malloc(bytes));
  return *pointer ? kSuccess : 2;
}
CUresult cuMemFree_v2(CUdeviceptr pointer) { std::free(reinterpret_cast<void*>(pointer)); return kSuccess; }
CUresult cuMemcpyHtoD_v2(CUdeviceptr to, const void* from, size_t bytes) { std::memcpy(reinterpret_cast<void*>(to), from, bytes); return kSuccess; }
CUresult cuMemcpyDtoH_v2(void* to, CUdeviceptr from, size_t bytes) { std::memcpy(to, reinterpret_cast<const void*>(from), bytes); return kSuccess; }
CUresult cuCtxSynchronize() { return kSuccess; }
CUresult cuGetErrorString(CUresult, const char** text) { *text = "fake CUDA error"; return kSuccess; }

CUresult cuLaunchKernel(void* function, unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned block_x, unsigned block_y,
                        unsigned block_z, unsigned shared, void* stream, void** args, void** extra) {
  if (function != &dummy_function || block_x != 32 || block_y != 32 || block_z != 1 || grid_z != 1 || shared != 0 || stream || extra) {
    return kInvalidValue;
  }
  const auto* a = reinterpret_cast<const float*>(*static_cast<CUdeviceptr*>(args[0]));
  const auto* values = reinterpret_cast<const float*>(*static_cast<CUdeviceptr*>(args[1]));
  const auto* meta = reinterpret_cast<const unsigned char*>(*static_cast<CUdeviceptr*>(args[2]));
  const auto* bias = reinterpret_cast<const float*>(*static_cast<CUdeviceptr*>(args[3]));
  auto* y = reinterpret_cast<float*>(*static_cast<CUdeviceptr*>(args[4]));
  const long long m = *static_cast<long long*>(args[5]), n = *static_cast<long long*>(args[6]), k = *static_cast<long long*>(args[7]);
  const int activation = *static_cast<int*>(args[8]);
  if (!said_launch) {
    std::fprintf(stderr, "fake-cuda: launch grid=(%u,%u) m=%lld n=%lld k=%lld activation=%d\n", grid_x, grid_y, m, n, k, activation);
    said_launch = true;
  }
  const long long meta_row = (k + 7) / 8;
  for (long long row = 0; row < m && row < 32LL * grid_y; ++row) {
    for (long long col = 0; col < n && col < 32LL * grid_x; ++col) {
      float sum = 0.0f;
      for (long long g = 0; g < k / 4; ++g) {
        const unsigned char byte = meta[col * meta_row + g / 2];
        const int nibble = (g & 1) ? (byte >> 4) : (byte & 15);
        sum += values[col * (k / 2) + 2 * g] * a[row * k + 4 * g + (nibble & 3)];
        sum += values[col * (k / 2) + 2 * g + 1] * a[row * k + 4 * g + (nibble >> 2)];
      }
      if (bias) sum += bias[col];
      if (activation == 1) sum = sum > 0.0f ? sum : 0.0f;
      if (activation == 2) sum = 0.5f * sum * (1.0f + std::erf(sum * 0.70710678f));
      y[row * n + col] = sum;
    }
  }
  return kSuccess;
}
}

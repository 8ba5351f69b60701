// The GPU route of SparseMatMul24 without the CUDA SDK: libcuda.so.1 is opened at run time (dlopen), the driver
// entry points are resolved by name, the PTX embedded at build time (cuda/Ptx.cmake) is loaded with
// cuModuleLoadData (the driver JIT-compiles it for the GPU present) and the kernel is launched on the primary context.
//
// ONNXC_CUDA selects the route: unset = the GPU when one is usable, else the CPU kernel, saying why once on stderr;
// 0 = always the CPU kernel, silently; 1 = the GPU or an error naming why it is unusable.
//
// Cost, for now: the op is a CPU-EP kernel, so every run copies A host→device and Y device→host (M·K + M·N floats,
// plus the bias) around one launch and a synchronize; the 2:4 weights are uploaded once per kernel. That is only
// worth it for large M; a CUDA-EP kernel working on device tensors would remove the copies.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace onnxc::cuda {

enum class Mode { kAuto, kOff, kRequired };

// ONNXC_CUDA as a mode (anything but "0"/"1" is auto).
Mode ModeFromEnvironment();

// The driver and module, loaded once per process; null with `reason` set when the GPU route is unusable.
class Driver;
const Driver* Acquire(std::string& reason);

// What the library found, for tests and reports: "GPU available: ..." or "GPU unavailable: <reason>".
std::string Describe();

// One SparseMatMul24 weight (fp32, the model's compressed layout) resident on the GPU.
class DeviceWeights {
 public:
  DeviceWeights(const Driver& driver, const float* values, const uint8_t* meta, int64_t n, int64_t k);
  ~DeviceWeights();
  DeviceWeights(const DeviceWeights&) = delete;
  DeviceWeights& operator=(const DeviceWeights&) = delete;

  // Y[M, N] = act(A[M, K] · Wᵀ + bias) on the GPU; host pointers in and out. activation: 0 none, 1 relu, 2 gelu.
  void Run(const float* a, const float* bias, float* y, int64_t m, int activation) const;

 private:
  const Driver& driver_;
  int64_t n_, k_;
  unsigned long long values_ = 0, meta_ = 0;  // CUdeviceptr
};

}  // namespace onnxc::cuda

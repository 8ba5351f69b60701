#include "cuda_driver.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

extern "C" const char* onnxc_sparse24_ptx();

namespace onnxc::cuda {
namespace {

// The few CUDA driver API types and entry points used, declared here because the SDK headers are not required.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void*;
using CUmodule = void*;
using CUfunction = void*;
using CUstream = void*;
constexpr CUresult kSuccess = 0;

struct Api {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int*);
  CUresult (*cuDeviceGet)(CUdevice*, int);
  CUresult (*cuDeviceGetName)(char*, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext*, CUdevice);
  CUresult (*cuCtxPushCurrent)(CUcontext);
  CUresult (*cuCtxPopCurrent)(CUcontext*);
  CUresult (*cuModuleLoadData)(CUmodule*, const void*);
  CUresult (*cuModuleGetFunction)(CUfunction*, CUmodule, const char*);
  CUresult (*cuMemAlloc)(CUdeviceptr*, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void*, size_t);
  CUresult (*cuMemcpyDtoH)(void*, CUdeviceptr, size_t);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream, void**, void**);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuGetErrorString)(CUresult, const char**);
};

// Resolves the exported symbol `name` into `slot`. Names are exact: where cuda.h maps a call to a versioned symbol
// (cuMemAlloc -> cuMemAlloc_v2) the versioned one is asked for, and never a _v2 the header does not map, since
// some have other signatures (cuCtxSynchronize_v2 takes a context).
template <typename F>
bool Resolve(void* library, const char* name, F& slot, std::string& missing) {
  void* symbol = dlsym(library, name);
  if (symbol == nullptr) {
    missing = name;
    return false;
  }
  slot = reinterpret_cast<F>(symbol);
  return true;
}

}  // namespace

class Driver {
 public:
  Api api{};
  CUcontext context = nullptr;
  CUfunction kernel = nullptr;
  std::string device_name;
  bool cusparselt = false;
  mutable std::mutex mutex;  // one launch at a time: ORT may run two nodes' kernels concurrently

  std::string Error(const char* call, CUresult result) const {
    const char* text = nullptr;
    if (api.cuGetErrorString == nullptr || api.cuGetErrorString(result, &text) != kSuccess || text == nullptr) text = "unknown error";
    return std::string(call) + " failed: " + text + " (" + std::to_string(result) + ")";
  }

  void Check(const char* call, CUresult result) const {
    if (result != kSuccess) throw std::runtime_error("SparseMatMul24 (CUDA): " + Error(call, result));
  }

  // Pushes the primary context for the current scope.
  struct Scope {
    const Driver& driver;
    explicit Scope(const Driver& d) : driver(d) { driver.Check("cuCtxPushCurrent", driver.api.cuCtxPushCurrent(driver.context)); }
    ~Scope() {
      CUcontext previous = nullptr;
      driver.api.cuCtxPopCurrent(&previous);
    }
  };
};

namespace {

std::unique_ptr<Driver> Load(std::string& reason) {
  const char* ptx = onnxc_sparse24_ptx();
  if (ptx == nullptr) {
    reason = "the library holds no CUDA kernel (built without clang++)";
    return nullptr;
  }
  void* library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* error = dlerror();
    reason = std::string("libcuda.so.1 not found (") + (error ? error : "dlopen failed") + ")";
    return nullptr;
  }
  auto driver = std::make_unique<Driver>();
  Api& api = driver->api;
  std::string missing;
  if (!(Resolve(library, "cuInit", api.cuInit, missing) && Resolve(library, "cuDeviceGetCount", api.cuDeviceGetCount, missing) &&
        Resolve(library, "cuDeviceGet", api.cuDeviceGet, missing) && Resolve(library, "cuDeviceGetName", api.cuDeviceGetName, missing) &&
        Resolve(library, "cuDevicePrimaryCtxRetain", api.cuDevicePrimaryCtxRetain, missing) &&
        Resolve(library, "cuCtxPushCurrent_v2", api.cuCtxPushCurrent, missing) && Resolve(library, "cuCtxPopCurrent_v2", api.cuCtxPopCurrent, missing) &&
        Resolve(library, "cuModuleLoadData", api.cuModuleLoadData, missing) &&
        Resolve(library, "cuModuleGetFunction", api.cuModuleGetFunction, missing) && Resolve(library, "cuMemAlloc_v2", api.cuMemAlloc, missing) &&
        Resolve(library, "cuMemFree_v2", api.cuMemFree, missing) && Resolve(library, "cuMemcpyHtoD_v2", api.cuMemcpyHtoD, missing) &&
        Resolve(library, "cuMemcpyDtoH_v2", api.cuMemcpyDtoH, missing) && Resolve(library, "cuLaunchKernel", api.cuLaunchKernel, missing) &&
        Resolve(library, "cuCtxSynchronize", api.cuCtxSynchronize, missing) && Resolve(library, "cuGetErrorString", api.cuGetErrorString, missing))) {
    reason = "libcuda.so.1 lacks " + missing;
    return nullptr;
  }
  // The driver library stays loaded for the life of the process (the module and context live as long).
  if (CUresult r = api.cuInit(0); r != kSuccess) {
    reason = driver->Error("cuInit", r);
    return nullptr;
  }
  int count = 0;
  if (CUresult r = api.cuDeviceGetCount(&count); r != kSuccess || count == 0) {
    reason = r != kSuccess ? driver->Error("cuDeviceGetCount", r) : "no CUDA device";
    return nullptr;
  }
  CUdevice device = 0;
  CUmodule module = nullptr;
  char name[256] = {};
  if (CUresult r = api.cuDeviceGet(&device, 0); r != kSuccess) {
    reason = driver->Error("cuDeviceGet", r);
    return nullptr;
  }
  api.cuDeviceGetName(name, sizeof name - 1, device);
  driver->device_name = name;
  if (CUresult r = api.cuDevicePrimaryCtxRetain(&driver->context, device); r != kSuccess) {
    reason = driver->Error("cuDevicePrimaryCtxRetain", r);
    return nullptr;
  }
  try {
    Driver::Scope scope(*driver);
    if (CUresult r = api.cuModuleLoadData(&module, ptx); r != kSuccess) {
      reason = driver->Error("cuModuleLoadData (PTX JIT)", r);
      return nullptr;
    }
    if (CUresult r = api.cuModuleGetFunction(&driver->kernel, module, "onnxc_sparse_matmul24_f32"); r != kSuccess) {
      reason = driver->Error("cuModuleGetFunction", r);
      return nullptr;
    }
  } catch (const std::exception& e) {
    reason = e.what();
    return nullptr;
  }
  // cuSPARSELt would give the sparse tensor-core path; found or not, the embedded PTX kernel is what runs today.
  if (void* lt = dlopen("libcusparseLt.so.0", RTLD_NOW | RTLD_LOCAL)) {
    driver->cusparselt = true;
    dlclose(lt);
  }
  return driver;
}

struct Loaded {
  std::unique_ptr<Driver> driver;
  std::string reason;
};

const Loaded& Once() {
  static const Loaded loaded = [] {
    Loaded l;
    l.driver = Load(l.reason);
    return l;
  }();
  return loaded;
}

}  // namespace

Mode ModeFromEnvironment() {
  const char* value = std::getenv("ONNXC_CUDA");
  if (value == nullptr) return Mode::kAuto;
  if (std::string(value) == "0") return Mode::kOff;
  if (std::string(value) == "1") return Mode::kRequired;
  return Mode::kAuto;
}

const Driver* Acquire(std::string& reason) {
  const Loaded& loaded = Once();
  reason = loaded.reason;
  return loaded.driver.get();
}

std::string Describe() {
  std::string reason;
  const Driver* driver = Acquire(reason);
  if (driver == nullptr) return "GPU unavailable: " + reason;
  return "GPU available: " + driver->device_name + " (embedded PTX kernel" + (driver->cusparselt ? "; libcusparseLt.so.0 found, not used yet" : "") + ")";
}

DeviceWeights::DeviceWeights(const Driver& driver, const float* values, const uint8_t* meta, int64_t n, int64_t k)
    : driver_(driver), n_(n), k_(k) {
  std::lock_guard<std::mutex> lock(driver.mutex);
  Driver::Scope scope(driver);
  const size_t values_bytes = static_cast<size_t>(n * k / 2) * sizeof(float), meta_bytes = static_cast<size_t>(n * ((k + 7) / 8));
  driver.Check("cuMemAlloc", driver.api.cuMemAlloc(&values_, values_bytes));
  driver.Check("cuMemAlloc", driver.api.cuMemAlloc(&meta_, meta_bytes));
  driver.Check("cuMemcpyHtoD", driver.api.cuMemcpyHtoD(values_, values, values_bytes));
  driver.Check("cuMemcpyHtoD", driver.api.cuMemcpyHtoD(meta_, meta, meta_bytes));
}

DeviceWeights::~DeviceWeights() {
  std::lock_guard<std::mutex> lock(driver_.mutex);
  try {
    Driver::Scope scope(driver_);
    if (values_) driver_.api.cuMemFree(values_);
    if (meta_) driver_.api.cuMemFree(meta_);
  } catch (const std::exception&) {
    // a destructor cannot report; the context is going away with the process anyway
  }
}

void DeviceWeights::Run(const float* a, const float* bias, float* y, int64_t m, int activation) const {
  std::lock_guard<std::mutex> lock(driver_.mutex);
  Driver::Scope scope(driver_);
  const Api& api = driver_.api;
  const size_t a_bytes = static_cast<size_t>(m * k_) * sizeof(float), y_bytes = static_cast<size_t>(m * n_) * sizeof(float);
  CUdeviceptr d_a = 0, d_y = 0, d_bias = 0;
  auto release = [&] {
    for (CUdeviceptr p : {d_a, d_y, d_bias}) {
      if (p) api.cuMemFree(p);
    }
  };
  try {
    driver_.Check("cuMemAlloc", api.cuMemAlloc(&d_a, a_bytes == 0 ? 4 : a_bytes));
    driver_.Check("cuMemAlloc", api.cuMemAlloc(&d_y, y_bytes == 0 ? 4 : y_bytes));
    if (bias != nullptr) {
      driver_.Check("cuMemAlloc", api.cuMemAlloc(&d_bias, static_cast<size_t>(n_) * sizeof(float)));
      driver_.Check("cuMemcpyHtoD", api.cuMemcpyHtoD(d_bias, bias, static_cast<size_t>(n_) * sizeof(float)));
    }
    driver_.Check("cuMemcpyHtoD", api.cuMemcpyHtoD(d_a, a, a_bytes));
    long long mm = m, nn = n_, kk = k_;
    int act = activation;
    void* args[] = {&d_a, const_cast<unsigned long long*>(&values_), const_cast<unsigned long long*>(&meta_), &d_bias, &d_y, &mm, &nn, &kk, &act};
    constexpr unsigned kTile = 32;  // the kernel's tile (cuda/sparse_matmul24.cu)
    const unsigned grid_x = static_cast<unsigned>((n_ + kTile - 1) / kTile), grid_y = static_cast<unsigned>((m + kTile - 1) / kTile);
    driver_.Check("cuLaunchKernel", api.cuLaunchKernel(driver_.kernel, grid_x, grid_y, 1, kTile, kTile, 1, 0, nullptr, args, nullptr));
    driver_.Check("cuCtxSynchronize", api.cuCtxSynchronize());
    driver_.Check("cuMemcpyDtoH", api.cuMemcpyDtoH(y, d_y, y_bytes));
  } catch (...) {
    release();
    throw;
  }
  release();
}

}  // namespace onnxc::cuda

// For tests and `onnxc inspect`-style reports: what the GPU route found (the string lives for the process).
extern "C" __attribute__((visibility("default"))) const char* onnxc_cuda_status() {
  static const std::string status = onnxc::cuda::Describe();
  return status.c_str();
}

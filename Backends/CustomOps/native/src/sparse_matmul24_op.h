// ONNX Runtime custom op com.onnxc::SparseMatMul24 (version 1), CPU. One type-generic op, registered once:
//   inputs:  A        T [..., K]                     T = float or float16
//            B_values T [N, K/2], or int8 [N, K/2]    the kept weights (layout: sparse24_format.h)
//            B_meta   uint8 [N, ceil(K/8)]           positions of the kept weights
//            bias     T [N]                          optional
//            B_scales T [N]                          required when B_values is int8, else absent: the weight of output
//                                                    column n is B_values[n, i] * B_scales[n] (symmetric per-channel)
//   attr:    activation "none" | "relu" | "gelu" (erf form), applied after the bias
//   output:  Y T [..., N]
// Accumulation is float32 whatever T is (float16 operands are widened with F16C, Y rounded once at the end).
// K must be a multiple of 4; other K is refused when the session is created (constant weights) or at run time.
// Float32 with constant weights runs on the GPU when one is usable (ONNXC_CUDA, cuda_driver.h), else on the CPU.
#pragma once

#define ORT_API_MANUAL_INIT
#include <onnxruntime_cxx_api.h>
#undef ORT_API_MANUAL_INIT

#include <memory>
#include <optional>
#include <string>

#include "cuda_driver.h"
#include "sparse24_cpu.h"

namespace onnxc {

constexpr const char* kDomain = "com.onnxc";

struct SparseMatMul24Kernel {
  SparseMatMul24Kernel(const OrtApi& api, const OrtKernelInfo* info);
  OrtStatusPtr ComputeV2(OrtKernelContext* context);

 private:
  const OrtApi& api_;
  sparse24::Activation activation_ = sparse24::Activation::kNone;
  // Packed once here when B_values, B_meta (and B_scales) are constant initializers (the emitted form); else per run.
  std::optional<sparse24::PackedWeights> packed_;
  // Set when the GPU route is taken (constant float32 weights, a usable GPU, ONNXC_CUDA not 0): cuda_driver.h.
  std::unique_ptr<cuda::DeviceWeights> device_;
};

struct SparseMatMul24Op : Ort::CustomOpBase<SparseMatMul24Op, SparseMatMul24Kernel, /*WithStatus=*/true> {
  SparseMatMul24Op();
  OrtStatusPtr CreateKernelV2(const OrtApi& api, const OrtKernelInfo* info, void** kernel) const;
  const char* GetName() const { return "SparseMatMul24"; }
  size_t GetInputTypeCount() const { return 5; }
  // UNDEFINED = any type in ORT's schema: T is checked by the kernel, Y's type is set by the shape inference.
  ONNXTensorElementDataType GetInputType(size_t index) const {
    return index == 2 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 : ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  }
  OrtCustomOpInputOutputCharacteristic GetInputCharacteristic(size_t index) const {
    return index >= 3 ? INPUT_OUTPUT_OPTIONAL : INPUT_OUTPUT_REQUIRED;
  }
  size_t GetOutputTypeCount() const { return 1; }
  ONNXTensorElementDataType GetOutputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED; }
};

}  // namespace onnxc

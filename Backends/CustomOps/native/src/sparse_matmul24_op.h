// ONNX Runtime custom op com.onnxc::SparseMatMul24 (version 1), float32 and float16, CPU.
//   inputs:  A [..., K], B_values [N, K/2], B_meta uint8 [N, ceil(K/8)] (layout: sparse24_format.h), bias [N] (optional)
//   attr:    activation "none" | "relu" | "gelu" (erf form), applied after the bias
//   output:  Y [..., N], same element type as A
#pragma once

#define ORT_API_MANUAL_INIT
#include <onnxruntime_cxx_api.h>
#undef ORT_API_MANUAL_INIT

#include <optional>
#include <string>

#include "sparse24_cpu.h"

namespace onnxc {

constexpr const char* kDomain = "com.onnxc";

template <typename T>
struct SparseMatMul24Kernel {
  SparseMatMul24Kernel(const OrtApi& api, const OrtKernelInfo* info);
  OrtStatusPtr ComputeV2(OrtKernelContext* context);

 private:
  const OrtApi& api_;
  sparse24::Activation activation_ = sparse24::Activation::kNone;
  // Packed once here when B_values and B_meta are constant initializers (the emitted form); else per run.
  std::optional<sparse24::PackedWeights> packed_;
};

template <typename T>
struct SparseMatMul24Op : Ort::CustomOpBase<SparseMatMul24Op<T>, SparseMatMul24Kernel<T>, /*WithStatus=*/true> {
  SparseMatMul24Op() {
    this->start_ver_ = 1;
    this->end_ver_ = 1;
  }
  OrtStatusPtr CreateKernelV2(const OrtApi& api, const OrtKernelInfo* info, void** kernel) const;
  const char* GetName() const { return "SparseMatMul24"; }
  size_t GetInputTypeCount() const { return 4; }
  ONNXTensorElementDataType GetInputType(size_t index) const;
  OrtCustomOpInputOutputCharacteristic GetInputCharacteristic(size_t index) const {
    return index == 3 ? INPUT_OUTPUT_OPTIONAL : INPUT_OUTPUT_REQUIRED;
  }
  size_t GetOutputTypeCount() const { return 1; }
  ONNXTensorElementDataType GetOutputType(size_t) const;
  static OrtStatusPtr InferOutputShape(Ort::ShapeInferContext& context);
};

}  // namespace onnxc

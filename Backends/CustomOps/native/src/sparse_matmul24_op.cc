#include "sparse_matmul24_op.h"

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "half_convert.h"
#include "sparse24_format.h"

namespace onnxc {
namespace {

constexpr ONNXTensorElementDataType kFloat = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
constexpr ONNXTensorElementDataType kHalf = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
constexpr ONNXTensorElementDataType kInt8 = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8;

sparse24::Activation ParseActivation(const std::string& name) {
  if (name == "none" || name.empty()) return sparse24::Activation::kNone;
  if (name == "relu") return sparse24::Activation::kRelu;
  if (name == "gelu") return sparse24::Activation::kGelu;
  throw std::invalid_argument("SparseMatMul24: activation must be none, relu or gelu, got '" + name + "'");
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string TypeText(ONNXTensorElementDataType type) {
  switch (type) {
    case kFloat: return "float";
    case kHalf: return "float16";
    case kInt8: return "int8";
    default: return "element type " + std::to_string(static_cast<int>(type));
  }
}

std::vector<int64_t> ShapeOf(const Ort::ConstValue& value) { return value.GetTensorTypeAndShapeInfo().GetShape(); }
ONNXTensorElementDataType TypeOf(const Ort::ConstValue& value) { return value.GetTensorTypeAndShapeInfo().GetElementType(); }

// A T tensor's elements as float (a copy for float16, the data itself for float).
struct FloatView {
  std::vector<float> copy;
  const float* data = nullptr;
};
FloatView AsFloat(const Ort::ConstValue& value) {
  FloatView view;
  if (TypeOf(value) == kFloat) {
    view.data = value.GetTensorData<float>();
  } else {
    view.copy.resize(value.GetTensorTypeAndShapeInfo().GetElementCount());
    HalfToFloat(reinterpret_cast<const uint16_t*>(value.GetTensorData<Ort::Float16_t>()), view.copy.data(), view.copy.size());
    view.data = view.copy.data();
  }
  return view;
}

// Checks B_values, B_meta and B_scales against each other and packs them; every message names the shapes.
sparse24::PackedWeights PackWeights(const Ort::ConstValue& values, const Ort::ConstValue& meta, const Ort::ConstValue* scales) {
  const auto shape = ShapeOf(values), meta_shape = ShapeOf(meta);
  if (shape.size() != 2 || meta_shape.size() != 2) {
    throw std::invalid_argument("SparseMatMul24: B_values and B_meta must be 2-D, got " + ShapeText(shape) + " and " + ShapeText(meta_shape));
  }
  const int64_t n = shape[0], k = shape[1] * 2;
  if (k % 4 != 0) throw std::invalid_argument("SparseMatMul24: K = " + std::to_string(k) + " is not a multiple of 4");
  if (meta_shape[0] != n || meta_shape[1] != sparse24::MetaBytesPerRow(k)) {
    throw std::invalid_argument("SparseMatMul24: B_meta " + ShapeText(meta_shape) + " must be [" + std::to_string(n) + "," +
                                std::to_string(sparse24::MetaBytesPerRow(k)) + "]");
  }
  const auto type = TypeOf(values);
  if (type == kInt8) {
    if (scales == nullptr) throw std::invalid_argument("SparseMatMul24: int8 B_values need B_scales (input 4)");
    if (ShapeOf(*scales) != std::vector<int64_t>{n}) {
      throw std::invalid_argument("SparseMatMul24: B_scales " + ShapeText(ShapeOf(*scales)) + " must be [" + std::to_string(n) + "]");
    }
    const FloatView s = AsFloat(*scales);
    return sparse24::Pack(sparse24::ValueType::kInt8, values.GetTensorRawData(), meta.GetTensorData<uint8_t>(), s.data, n, k);
  }
  if (scales != nullptr) throw std::invalid_argument("SparseMatMul24: B_scales is only for int8 B_values, got " + TypeText(type));
  const auto value_type = type == kHalf ? sparse24::ValueType::kFloat16 : sparse24::ValueType::kFloat32;
  return sparse24::Pack(value_type, values.GetTensorRawData(), meta.GetTensorData<uint8_t>(), nullptr, n, k);
}

// T is float or float16; B_values is T or int8; bias and B_scales are T.
void CheckTypes(const Ort::ConstValue& a, const Ort::ConstValue& values, const Ort::ConstValue* bias, const Ort::ConstValue* scales) {
  const auto t = TypeOf(a);
  if (t != kFloat && t != kHalf) throw std::invalid_argument("SparseMatMul24: A must be float or float16, got " + TypeText(t));
  const auto v = TypeOf(values);
  if (v != t && v != kInt8) throw std::invalid_argument("SparseMatMul24: B_values is " + TypeText(v) + ", expected " + TypeText(t) + " (A's type) or int8");
  if (bias && TypeOf(*bias) != t) throw std::invalid_argument("SparseMatMul24: bias is " + TypeText(TypeOf(*bias)) + ", expected " + TypeText(t));
  if (scales && TypeOf(*scales) != t) throw std::invalid_argument("SparseMatMul24: B_scales is " + TypeText(TypeOf(*scales)) + ", expected " + TypeText(t));
}

void RunParallel(Ort::KernelContext& context, const sparse24::Problem& problem) {
  const size_t tiles = sparse24::TileCount(problem);
  if (tiles == 0) return;
  auto run = [](void* data, size_t tile) { sparse24::RunTile(*static_cast<const sparse24::Problem*>(data), tile); };
  // ORT's intra-op pool (the session's thread count); one tile per batch lets the pool balance ragged tiles.
  context.ParallelFor(run, tiles, 0, const_cast<sparse24::Problem*>(&problem));
}

// Y's shape: A's leading dims (symbolic ones included) and N from B_values; Y's type: A's.
OrtStatusPtr InferOutput(const OrtCustomOp*, OrtShapeInferContext* raw) {
  const OrtApi& api = Ort::GetApi();
  OrtTensorTypeAndShapeInfo* a_info = nullptr;
  if (auto* status = api.ShapeInferContext_GetInputTypeShape(raw, 0, &a_info)) return status;
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  // The info belongs to the context (ORT's own C++ wrapper does not release it either).
  if (auto* status = api.GetTensorElementType(a_info, &type)) return status;
  Ort::ShapeInferContext context(&api, raw);
  auto shape = context.GetInputShape(0);
  const auto& values = context.GetInputShape(1);
  if (shape.empty() || values.size() != 2) return api.CreateStatus(ORT_INVALID_ARGUMENT, "SparseMatMul24: A must have rank >= 1 and B_values rank 2");
  shape.back() = values[0];
  // ORT hands unknown dims over as -1 and would write them back as dim_value -1, which later shape inference
  // rejects; leave the shape unset then (ORT still types Y from the op's generic inputs).
  for (const auto& dim : shape) {
    if (dim.IsInt() && dim.AsInt() < 0) return nullptr;
  }
  return context.SetOutputShape(0, shape, type).release();
}

int ActivationCode(sparse24::Activation activation) {
  return activation == sparse24::Activation::kRelu ? 1 : activation == sparse24::Activation::kGelu ? 2 : 0;
}

// The GPU weights for this node, or null for the CPU kernel (saying why once per process in auto mode).
std::unique_ptr<cuda::DeviceWeights> MaybeOnGpu(const Ort::ConstValue& values, const Ort::ConstValue& meta, ONNXTensorElementDataType a_type) {
  const cuda::Mode mode = cuda::ModeFromEnvironment();
  if (mode == cuda::Mode::kOff) return nullptr;
  std::string reason;
  const cuda::Driver* driver = cuda::Acquire(reason);
  if (driver != nullptr && (a_type != kFloat || TypeOf(values) != kFloat)) {
    driver = nullptr;
    reason = "the CUDA kernel is float32 only, this node is " + TypeText(a_type) + " with " + TypeText(TypeOf(values)) + " values";
  }
  if (driver == nullptr) {
    if (mode == cuda::Mode::kRequired) throw std::runtime_error("SparseMatMul24: ONNXC_CUDA=1 but GPU unavailable: " + reason);
    static std::once_flag said;
    std::call_once(said, [&] { std::fprintf(stderr, "onnxc: SparseMatMul24: GPU unavailable: %s; using the CPU kernel\n", reason.c_str()); });
    return nullptr;
  }
  const auto shape = ShapeOf(values);
  return std::make_unique<cuda::DeviceWeights>(*driver, values.GetTensorData<float>(), meta.GetTensorData<uint8_t>(), shape[0], shape[1] * 2);
}

}  // namespace

SparseMatMul24Kernel::SparseMatMul24Kernel(const OrtApi& api, const OrtKernelInfo* info) : api_(api) {
  Ort::ConstKernelInfo kernel_info(info);
  std::string activation = "none";
  try {
    activation = kernel_info.GetAttribute<std::string>("activation");
  } catch (const Ort::Exception&) {
    // absent attribute: "none"
  }
  activation_ = ParseActivation(activation);
  int values_constant = 0, meta_constant = 0, scales_constant = 0;
  auto values = kernel_info.GetTensorConstantInput(1, &values_constant);
  auto meta = kernel_info.GetTensorConstantInput(2, &meta_constant);
  if (!values_constant || !meta_constant) return;
  Ort::ConstValue scales{nullptr};
  if (kernel_info.GetInputCount() > 4) scales = kernel_info.GetTensorConstantInput(4, &scales_constant);
  if (TypeOf(values) == kInt8 && !scales_constant) return;  // scales fed at run time: pack per run
  packed_ = PackWeights(values, meta, scales_constant ? &scales : nullptr);
  device_ = MaybeOnGpu(values, meta, kernel_info.GetInputTypeInfo(0).GetTensorTypeAndShapeInfo().GetElementType());
}

OrtStatusPtr SparseMatMul24Kernel::ComputeV2(OrtKernelContext* raw_context) {
  try {
    Ort::KernelContext context(raw_context);
    auto a = context.GetInput(0), values = context.GetInput(1), meta = context.GetInput(2);
    auto bias = context.GetInput(3), scales = context.GetInput(4);
    const Ort::ConstValue* bias_ptr = bias ? &bias : nullptr;
    const Ort::ConstValue* scales_ptr = scales ? &scales : nullptr;
    CheckTypes(a, values, bias_ptr, scales_ptr);
    std::optional<sparse24::PackedWeights> per_run;
    if (!packed_) per_run = PackWeights(values, meta, scales_ptr);
    const sparse24::PackedWeights& weights = packed_ ? *packed_ : *per_run;

    const auto a_shape = ShapeOf(a);
    if (a_shape.empty() || a_shape.back() != weights.k) {
      throw std::invalid_argument("SparseMatMul24: A " + ShapeText(a_shape) + " does not end in K = " + std::to_string(weights.k) +
                                  " of B_values " + ShapeText(ShapeOf(values)));
    }
    if (bias && ShapeOf(bias) != std::vector<int64_t>{weights.n}) {
      throw std::invalid_argument("SparseMatMul24: bias " + ShapeText(ShapeOf(bias)) + " must be [" + std::to_string(weights.n) + "]");
    }
    int64_t m = 1;
    for (size_t i = 0; i + 1 < a_shape.size(); ++i) m *= a_shape[i];
    auto y_shape = a_shape;
    y_shape.back() = weights.n;
    auto y = context.GetOutput(0, y_shape);

    if (device_) {
      device_->Run(a.GetTensorData<float>(), bias ? bias.GetTensorData<float>() : nullptr, y.GetTensorMutableData<float>(), m, ActivationCode(activation_));
      return nullptr;
    }
    const FloatView a_float = AsFloat(a);
    FloatView bias_float;
    if (bias) bias_float = AsFloat(bias);
    const bool half = TypeOf(a) == kHalf;
    std::vector<float> y_float(half ? static_cast<size_t>(m * weights.n) : 0);
    sparse24::Problem problem;
    problem.m = m;
    problem.a = a_float.data;
    problem.weights = &weights;
    problem.bias = bias ? bias_float.data : nullptr;
    problem.activation = activation_;
    problem.y = half ? y_float.data() : y.GetTensorMutableData<float>();
    RunParallel(context, problem);
    if (half) FloatToHalf(y_float.data(), reinterpret_cast<uint16_t*>(y.GetTensorMutableData<Ort::Float16_t>()), y_float.size());
    return nullptr;
  } catch (const std::exception& e) {
    return api_.CreateStatus(ORT_INVALID_ARGUMENT, e.what());
  }
}

SparseMatMul24Op::SparseMatMul24Op() {
  start_ver_ = 1;
  end_ver_ = 1;
  // Our own inference rather than CustomOpBase's: it needs A's element type, which the C++ wrapper does not expose.
  OrtCustomOp::InferOutputShapeFn = &InferOutput;
}

OrtStatusPtr SparseMatMul24Op::CreateKernelV2(const OrtApi& api, const OrtKernelInfo* info, void** kernel) const {
  try {
    *kernel = new SparseMatMul24Kernel(api, info);
    return nullptr;
  } catch (const std::exception& e) {
    return api.CreateStatus(ORT_INVALID_ARGUMENT, e.what());
  }
}

}  // namespace onnxc

#include "sparse_matmul24_op.h"

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "half_convert.h"
#include "sparse24_format.h"

namespace onnxc {
namespace {

template <typename T>
constexpr ONNXTensorElementDataType ElementType();
template <>
constexpr ONNXTensorElementDataType ElementType<float>() { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; }
template <>
constexpr ONNXTensorElementDataType ElementType<Ort::Float16_t>() { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16; }

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

struct Dims {
  int64_t m, n, k;
};

// Checks the operand shapes against each other; every message names the shapes so a bad model is diagnosable.
Dims CheckShapes(const std::vector<int64_t>& a, const std::vector<int64_t>& values, const std::vector<int64_t>& meta,
                 const std::vector<int64_t>* bias) {
  if (a.empty()) throw std::invalid_argument("SparseMatMul24: A must have rank >= 1");
  if (values.size() != 2 || meta.size() != 2) {
    throw std::invalid_argument("SparseMatMul24: B_values and B_meta must be 2-D, got " + ShapeText(values) + " and " + ShapeText(meta));
  }
  const int64_t k = a.back(), n = values[0];
  if (k % 4 != 0) throw std::invalid_argument("SparseMatMul24: K = " + std::to_string(k) + " is not a multiple of 4");
  if (values[1] * 2 != k) {
    throw std::invalid_argument("SparseMatMul24: B_values " + ShapeText(values) + " does not hold K/2 values per row for A " + ShapeText(a));
  }
  if (meta[0] != n || meta[1] != sparse24::MetaBytesPerRow(k)) {
    throw std::invalid_argument("SparseMatMul24: B_meta " + ShapeText(meta) + " must be [" + std::to_string(n) + "," +
                                std::to_string(sparse24::MetaBytesPerRow(k)) + "]");
  }
  if (bias != nullptr && (bias->size() != 1 || (*bias)[0] != n)) {
    throw std::invalid_argument("SparseMatMul24: bias " + ShapeText(*bias) + " must be [" + std::to_string(n) + "]");
  }
  int64_t m = 1;
  for (size_t i = 0; i + 1 < a.size(); ++i) m *= a[i];
  return {m, n, k};
}

void RunParallel(Ort::KernelContext& context, const sparse24::Problem& problem) {
  const size_t tiles = sparse24::TileCount(problem);
  if (tiles == 0) return;
  auto run = [](void* data, size_t tile) { sparse24::RunTile(*static_cast<const sparse24::Problem*>(data), tile); };
  // ORT's intra-op pool (the session's thread count); one tile per batch lets the pool balance ragged tiles.
  context.ParallelFor(run, tiles, 0, const_cast<sparse24::Problem*>(&problem));
}

std::vector<float> ToFloat(const Ort::Float16_t* data, size_t count) {
  std::vector<float> out(count);
  HalfToFloat(reinterpret_cast<const uint16_t*>(data), out.data(), count);
  return out;
}

template <typename T>
constexpr sparse24::ValueType ValueTypeOf() {
  return std::is_same_v<T, float> ? sparse24::ValueType::kFloat32 : sparse24::ValueType::kFloat16;
}

// Packs B_values/B_meta of a value whose shapes were already checked (or are checked by the caller before use).
template <typename T>
sparse24::PackedWeights PackWeights(const Ort::ConstValue& values, const Ort::ConstValue& meta) {
  const auto shape = values.GetTensorTypeAndShapeInfo().GetShape();
  if (shape.size() != 2) throw std::invalid_argument("SparseMatMul24: B_values must be 2-D, got " + ShapeText(shape));
  const auto meta_shape = meta.GetTensorTypeAndShapeInfo().GetShape();
  const int64_t n = shape[0], k = shape[1] * 2;
  if (meta_shape.size() != 2 || meta_shape[0] != n || meta_shape[1] != sparse24::MetaBytesPerRow(k)) {
    throw std::invalid_argument("SparseMatMul24: B_meta " + ShapeText(meta_shape) + " does not match B_values " + ShapeText(shape));
  }
  if (k % 4 != 0) throw std::invalid_argument("SparseMatMul24: K = " + std::to_string(k) + " is not a multiple of 4");
  return sparse24::Pack(ValueTypeOf<T>(), values.GetTensorData<T>(), meta.GetTensorData<uint8_t>(), nullptr, n, k);
}

}  // namespace

template <typename T>
SparseMatMul24Kernel<T>::SparseMatMul24Kernel(const OrtApi& api, const OrtKernelInfo* info) : api_(api) {
  Ort::ConstKernelInfo kernel_info(info);
  std::string activation = "none";
  try {
    activation = kernel_info.GetAttribute<std::string>("activation");
  } catch (const Ort::Exception&) {
    // absent attribute: "none"
  }
  activation_ = ParseActivation(activation);
  int values_constant = 0, meta_constant = 0;
  auto values = kernel_info.GetTensorConstantInput(1, &values_constant);
  auto meta = kernel_info.GetTensorConstantInput(2, &meta_constant);
  if (values_constant && meta_constant) packed_ = PackWeights<T>(values, meta);
}

template <typename T>
OrtStatusPtr SparseMatMul24Kernel<T>::ComputeV2(OrtKernelContext* raw_context) {
  try {
    Ort::KernelContext context(raw_context);
    auto a = context.GetInput(0), values = context.GetInput(1), meta = context.GetInput(2), bias = context.GetInput(3);
    const auto a_shape = a.GetTensorTypeAndShapeInfo().GetShape();
    std::vector<int64_t> bias_shape;
    const bool has_bias = static_cast<bool>(bias);
    if (has_bias) bias_shape = bias.GetTensorTypeAndShapeInfo().GetShape();
    const Dims dims = CheckShapes(a_shape, values.GetTensorTypeAndShapeInfo().GetShape(), meta.GetTensorTypeAndShapeInfo().GetShape(),
                                  has_bias ? &bias_shape : nullptr);
    auto y_shape = a_shape;
    y_shape.back() = dims.n;
    auto y = context.GetOutput(0, y_shape);

    std::optional<sparse24::PackedWeights> per_run;
    if (!packed_) per_run = PackWeights<T>(values, meta);
    sparse24::Problem problem;
    problem.m = dims.m;
    problem.weights = packed_ ? &*packed_ : &*per_run;
    problem.activation = activation_;
    if constexpr (std::is_same_v<T, float>) {
      problem.a = a.GetTensorData<float>();
      problem.bias = has_bias ? bias.GetTensorData<float>() : nullptr;
      problem.y = y.GetTensorMutableData<float>();
      RunParallel(context, problem);
    } else {
      // float16 runs the float32 kernel on converted copies: CPUs without AVX512-FP16 gain nothing from
      // half arithmetic, and one rounding at the end matches what a float-accumulating GPU kernel does.
      const auto a_float = ToFloat(a.GetTensorData<T>(), static_cast<size_t>(dims.m * dims.k));
      std::vector<float> bias_float;
      if (has_bias) bias_float = ToFloat(bias.GetTensorData<T>(), static_cast<size_t>(dims.n));
      std::vector<float> y_float(static_cast<size_t>(dims.m * dims.n));
      problem.a = a_float.data();
      problem.bias = has_bias ? bias_float.data() : nullptr;
      problem.y = y_float.data();
      RunParallel(context, problem);
      FloatToHalf(y_float.data(), reinterpret_cast<uint16_t*>(y.GetTensorMutableData<T>()), y_float.size());
    }
    return nullptr;
  } catch (const std::exception& e) {
    return api_.CreateStatus(ORT_INVALID_ARGUMENT, e.what());
  }
}

template <typename T>
OrtStatusPtr SparseMatMul24Op<T>::CreateKernelV2(const OrtApi& api, const OrtKernelInfo* info, void** kernel) const {
  try {
    *kernel = new SparseMatMul24Kernel<T>(api, info);
    return nullptr;
  } catch (const std::exception& e) {
    return api.CreateStatus(ORT_INVALID_ARGUMENT, e.what());
  }
}

template <typename T>
ONNXTensorElementDataType SparseMatMul24Op<T>::GetInputType(size_t index) const {
  return index == 2 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 : ElementType<T>();
}

template <typename T>
ONNXTensorElementDataType SparseMatMul24Op<T>::GetOutputType(size_t) const {
  return ElementType<T>();
}

template <typename T>
OrtStatusPtr SparseMatMul24Op<T>::InferOutputShape(Ort::ShapeInferContext& context) {
  // Y keeps A's leading dims (symbolic ones included) and takes N from B_values.
  auto shape = context.GetInputShape(0);
  const auto& values = context.GetInputShape(1);
  if (shape.empty() || values.size() != 2) {
    return Ort::GetApi().CreateStatus(ORT_INVALID_ARGUMENT, "SparseMatMul24: A must have rank >= 1 and B_values rank 2");
  }
  shape.back() = values[0];
  // ORT hands unknown dims over as -1 and would write them back as dim_value -1, which later shape inference
  // rejects; leave the shape unset (the type still comes from the op's type declaration) in that case.
  for (const auto& dim : shape) {
    if (dim.IsInt() && dim.AsInt() < 0) return nullptr;
  }
  auto status = context.SetOutputShape(0, shape, ElementType<T>());
  return status.release();
}

template struct SparseMatMul24Op<float>;
template struct SparseMatMul24Op<Ort::Float16_t>;
template struct SparseMatMul24Kernel<float>;
template struct SparseMatMul24Kernel<Ort::Float16_t>;

}  // namespace onnxc

// Entry point ONNX Runtime calls when a session registers this library (SessionOptions.RegisterCustomOpLibrary).
#include <mutex>

#include "sparse_matmul24_op.h"

namespace {

// ORT keeps pointers to the domain and ops for the life of every session that registered them: static storage.
onnxc::SparseMatMul24Op<float> sparse_matmul24_float;
onnxc::SparseMatMul24Op<Ort::Float16_t> sparse_matmul24_half;

}  // namespace

extern "C" __attribute__((visibility("default"))) OrtStatus* ORT_API_CALL RegisterCustomOps(OrtSessionOptions* options,
                                                                                             const OrtApiBase* api_base) {
  const OrtApi* api = api_base->GetApi(ORT_API_VERSION);
  if (api == nullptr) return nullptr;  // an older ORT than the headers; it cannot report a status either
  Ort::InitApi(api);
  static std::once_flag once;
  static OrtCustomOpDomain* domain = nullptr;
  static OrtStatus* failure = nullptr;
  std::call_once(once, [&] {
    if ((failure = api->CreateCustomOpDomain(onnxc::kDomain, &domain)) != nullptr) return;
    if ((failure = api->CustomOpDomain_Add(domain, &sparse_matmul24_float)) != nullptr) return;
    failure = api->CustomOpDomain_Add(domain, &sparse_matmul24_half);
  });
  if (failure != nullptr) return api->CreateStatus(api->GetErrorCode(failure), api->GetErrorMessage(failure));
  return api->AddCustomOpDomain(options, domain);
}

// Entry point ONNX Runtime calls when a session registers this library (SessionOptions.RegisterCustomOpLibrary).
#include <mutex>

#include "sparse_matmul24_op.h"

namespace {

// ORT keeps pointers to the domain and ops for the life of every session that registered them: static storage.
onnxc::SparseMatMul24Op<float> sparse_matmul24_float;

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
    // The float16 kernel (SparseMatMul24Op<Ort::Float16_t>) is not registered: ORT builds one schema per op name
    // from the first registration, so a second, float16-typed op under the same name is rejected at load. It
    // needs a type-generic op that dispatches on A's element type; until then the pass keeps f16 layers dense.
    failure = api->CustomOpDomain_Add(domain, &sparse_matmul24_float);
  });
  if (failure != nullptr) return api->CreateStatus(api->GetErrorCode(failure), api->GetErrorMessage(failure));
  return api->AddCustomOpDomain(options, domain);
}

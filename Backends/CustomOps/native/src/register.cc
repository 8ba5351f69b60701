// Entry point ONNX Runtime calls when a session registers this library (SessionOptions.RegisterCustomOpLibrary).
#include <mutex>

#include "sparse_matmul24_op.h"

namespace {

// ORT keeps pointers to the domain and ops for the life of every session that registered them: static storage.
onnxc::SparseMatMul24Op sparse_matmul24;

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
    // One type-generic op (float, float16; int8 values): ORT builds one schema per op name from the first
    // registration, so per-type ops under the same name would all get the first one's output type.
    failure = api->CustomOpDomain_Add(domain, &sparse_matmul24);
  });
  if (failure != nullptr) return api->CreateStatus(api->GetErrorCode(failure), api->GetErrorMessage(failure));
  return api->AddCustomOpDomain(options, domain);
}

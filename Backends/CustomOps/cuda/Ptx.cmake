# Compiles sparse_matmul24.cu to PTX with clang (no CUDA SDK: -nocudainc -nocudalib) and embeds the text in the
# library behind `const char* onnxc_sparse24_ptx(void)`, for loading through the CUDA driver where a GPU exists.
# Without clang++ (or with -DONNXC_CUDA_PTX=OFF) the library is CPU-only and the function returns nullptr.
set(ONNXC_PTX_SOURCE "${CMAKE_CURRENT_LIST_DIR}/sparse_matmul24.cu")
set(ONNXC_PTX_EMBED "${CMAKE_CURRENT_BINARY_DIR}/sparse24_ptx.cc")
find_program(ONNXC_CLANGXX NAMES clang++ clang++-19 clang++-16 clang++-15 clang++-14)
if(ONNXC_CUDA_PTX AND ONNXC_CLANGXX)
  set(ONNXC_PTX_ARCH "sm_80" CACHE STRING "GPU architecture of the embedded PTX (JIT-compiled for newer GPUs by the driver)")
  add_custom_command(
    OUTPUT "${CMAKE_CURRENT_BINARY_DIR}/sparse_matmul24.ptx"
    COMMAND "${ONNXC_CLANGXX}" -x cuda --cuda-gpu-arch=${ONNXC_PTX_ARCH} --cuda-device-only -nocudainc -nocudalib -O3 -S
            "${ONNXC_PTX_SOURCE}" -o "${CMAKE_CURRENT_BINARY_DIR}/sparse_matmul24.ptx"
    DEPENDS "${ONNXC_PTX_SOURCE}"
    COMMENT "PTX for SparseMatMul24 (${ONNXC_PTX_ARCH}) with ${ONNXC_CLANGXX}")
  add_custom_command(
    OUTPUT "${ONNXC_PTX_EMBED}"
    COMMAND "${CMAKE_COMMAND}" -DPTX="${CMAKE_CURRENT_BINARY_DIR}/sparse_matmul24.ptx" -DOUT="${ONNXC_PTX_EMBED}"
            -P "${CMAKE_CURRENT_LIST_DIR}/EmbedPtx.cmake"
    DEPENDS "${CMAKE_CURRENT_BINARY_DIR}/sparse_matmul24.ptx" "${CMAKE_CURRENT_LIST_DIR}/EmbedPtx.cmake")
  message(STATUS "onnxc: CUDA kernel compiled to PTX with ${ONNXC_CLANGXX}")
else()
  file(WRITE "${ONNXC_PTX_EMBED}" "extern \"C\" __attribute__((visibility(\"default\"))) const char* onnxc_sparse24_ptx() { return nullptr; }\n")
  message(STATUS "onnxc: no clang++ (or ONNXC_CUDA_PTX=OFF): CUDA kernel skipped, library is CPU-only")
endif()
target_sources(onnxc_customops PRIVATE "${ONNXC_PTX_EMBED}")

# cmake -DPTX=in.ptx -DOUT=out.cc -P EmbedPtx.cmake: wraps PTX text in a C++ raw string behind onnxc_sparse24_ptx().
file(READ "${PTX}" text)
file(WRITE "${OUT}" "// generated from ${PTX}\nextern \"C\" __attribute__((visibility(\"default\"))) const char* onnxc_sparse24_ptx() {\n  return R\"onnxc_ptx(${text})onnxc_ptx\";\n}\n")

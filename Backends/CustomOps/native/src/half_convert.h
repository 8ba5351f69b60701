// IEEE float16 <-> float32 conversion of arrays (F16C where the CPU has it, exact scalar code otherwise).
#pragma once

#include <cstddef>
#include <cstdint>

namespace onnxc {

// One element, exactly (subnormals, infinities and NaN included).
float HalfBitsToFloat(uint16_t h);

void HalfToFloat(const uint16_t* in, float* out, size_t count);
void FloatToHalf(const float* in, uint16_t* out, size_t count);

}  // namespace onnxc

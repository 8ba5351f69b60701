using Onnxc.Ir;

namespace Onnxc.Passes.Calibration;

/// <summary>Reads activation tensors as float32 (float32 itself without a copy; fp16/double converted).</summary>
internal static class ActivationValues
{
    public static ReadOnlySpan<float> AsFloats(Tensor tensor, out float[]? converted)
    {
        converted = null;
        switch (tensor.ElementType)
        {
            case DataType.Float:
                return tensor.AsSpan<float>();
            case DataType.Float16:
            {
                var source = tensor.AsSpan<Half>();
                converted = new float[source.Length];
                for (int i = 0; i < source.Length; i++) converted[i] = (float)source[i];
                return converted;
            }
            case DataType.Double:
            {
                var source = tensor.AsSpan<double>();
                converted = new float[source.Length];
                for (int i = 0; i < source.Length; i++) converted[i] = (float)source[i];
                return converted;
            }
            default:
                throw new InvalidOperationException($"cannot gather statistics of a {tensor.ElementType.ShortName()} activation (float types only)");
        }
    }
}

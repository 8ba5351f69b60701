using Onnxc.Ir;

namespace Onnxc.Passes.Normalization;

/// <summary>Subtracting the mean along one axis of a float weight, so everything it writes has zero mean along that axis.</summary>
internal static class Recentering
{
    /// <summary>A copy of <paramref name="tensor"/> (float32) with the mean along <paramref name="axis"/> removed; sums run in double.</summary>
    public static Tensor Center(Tensor tensor, int axis)
    {
        var dims = tensor.Dims.ToArray();
        var source = tensor.AsSpan<float>();
        var result = new float[source.Length];
        long length = dims[axis];
        long inner = dims.Skip(axis + 1).Aggregate(1L, (a, d) => a * d);
        long outer = dims.Take(axis).Aggregate(1L, (a, d) => a * d);
        for (long o = 0; o < outer; o++)
        {
            for (long i = 0; i < inner; i++)
            {
                long start = o * length * inner + i;
                double sum = 0;
                for (long k = 0; k < length; k++) sum += source[(int)(start + k * inner)];
                double mean = sum / length;
                for (long k = 0; k < length; k++) result[start + k * inner] = (float)(source[(int)(start + k * inner)] - mean);
            }
        }
        return Tensor.FromArray(result, dims);
    }
}

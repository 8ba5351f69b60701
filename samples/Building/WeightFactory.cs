using System.Runtime.InteropServices;
using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>
/// Adds seeded random initializers to a graph. Each tensor's bytes are allocated once and filled in place
/// (no float[] → byte[] copy), so BERT-base's 110M weights cost one 440 MB allocation set.
/// </summary>
public sealed class WeightFactory
{
    private readonly Graph _graph;
    private readonly int _seed;
    private int _matMulCounter;

    public WeightFactory(Graph graph, int seed)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("raw_data is little-endian; sample weights are written in machine order");
        _graph = graph;
        _seed = seed;
    }

    /// <summary>Standard deviation of ordinary weights, as in GPT-2 and BERT initialisation.</summary>
    public const float InitStd = 0.02f;

    /// <summary>A float initializer with entries ~ N(mean, std), drawn from the stream named after it.</summary>
    public Value Normal(string name, float mean, float std, params long[] dims)
    {
        var bytes = Allocate(dims);
        SampleRandom.ForTensor(_seed, name).FillNormal(MemoryMarshal.Cast<byte, float>(bytes.AsSpan()), mean, std);
        return _graph.AddInitializer(name, new DenseTensor(DataType.Float, dims, bytes));
    }

    /// <summary>A weight ~ N(0, std) laid out [in, out] for MatMul, named like the exporter's folded transposes.</summary>
    public Value MatMulWeight(long inFeatures, long outFeatures, float std = InitStd) =>
        Normal($"onnx::MatMul_{++_matMulCounter}", 0f, std, inFeatures, outFeatures);

    /// <summary>A LayerNorm/RMSNorm scale: near 1 with a small perturbation so no fusion can assume it is 1.</summary>
    public Value NormScale(string name, long size) => Normal(name, 1f, 0.05f, size);

    /// <summary>A bias: near 0 with a small perturbation.</summary>
    public Value Bias(string name, long size) => Normal(name, 0f, InitStd, size);

    /// <summary>A float initializer whose values a callback computes in place (masks, rotary caches, tied copies).</summary>
    public Value Computed(string name, Action<Span<float>> fill, params long[] dims)
    {
        var bytes = Allocate(dims);
        fill(MemoryMarshal.Cast<byte, float>(bytes.AsSpan()));
        return _graph.AddInitializer(name, new DenseTensor(DataType.Float, dims, bytes));
    }

    /// <summary>
    /// A second initializer holding <paramref name="source"/> [rows, cols] transposed to [cols, rows]: how the exporter
    /// writes a tied LM head (the embedding is folded into a separate MatMul weight).
    /// </summary>
    public Value TransposedCopy(Value source)
    {
        var tensor = source.Initializer ?? throw new ArgumentException($"'{source.Name}' is not an initializer", nameof(source));
        long rows = tensor.Dims[0], cols = tensor.Dims[1];
        return Computed($"onnx::MatMul_{++_matMulCounter}", target =>
        {
            var values = tensor.AsSpan<float>();
            for (long r = 0; r < rows; r++)
            {
                for (long c = 0; c < cols; c++) target[(int)(c * rows + r)] = values[(int)(r * cols + c)];
            }
        }, cols, rows);
    }

    /// <summary>An int64 initializer (buffers such as BERT's position_ids).</summary>
    public Value Int64(string name, long[] values, params long[] dims) => _graph.AddInitializer(name, Tensor.FromArray(values, dims));

    private static byte[] Allocate(long[] dims)
    {
        long count = 1;
        foreach (var d in dims) count = checked(count * d);
        return new byte[checked(count * sizeof(float))];
    }
}

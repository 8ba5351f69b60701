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
        // Every element is overwritten, so skip zeroing: at BERT-base size that is one pass over 440 MB saved.
        var bytes = Allocate(dims, zeroed: false);
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
        var bytes = Allocate(dims, zeroed: true);
        fill(MemoryMarshal.Cast<byte, float>(bytes.AsSpan()));
        return _graph.AddInitializer(name, new DenseTensor(DataType.Float, dims, bytes));
    }

    /// <summary>A bool initializer whose elements a callback sets (HuggingFace's registered tril buffers are torch.bool).</summary>
    public Value BoolMask(string name, Action<Span<bool>> fill, params long[] dims)
    {
        var bytes = new byte[checked((int)dims.Aggregate(1L, (n, d) => checked(n * d)))];
        fill(MemoryMarshal.Cast<byte, bool>(bytes.AsSpan()));
        return _graph.AddInitializer(name, new DenseTensor(DataType.Bool, dims, bytes));
    }

    /// <summary>
    /// A second initializer holding <paramref name="source"/> [rows, cols] transposed to [cols, rows]: how the exporter
    /// writes a tied LM head (the embedding is folded into a separate MatMul weight).
    /// </summary>
    public Value TransposedCopy(Value source)
    {
        var tensor = source.Initializer ?? throw new ArgumentException($"'{source.Name}' is not an initializer", nameof(source));
        int rows = checked((int)tensor.Dims[0]), cols = checked((int)tensor.Dims[1]);
        return Computed($"onnx::MatMul_{++_matMulCounter}", target => Transpose(tensor.AsSpan<float>(), target, rows, cols), cols, rows);
    }

    /// <summary>Transposes in 32×32 tiles so both sides stay in cache (GPT-2's 50257×768 head copy is 150 MB).</summary>
    internal static void Transpose(ReadOnlySpan<float> source, Span<float> target, int rows, int cols)
    {
        const int tile = 32;
        for (int r0 = 0; r0 < rows; r0 += tile)
        {
            int r1 = Math.Min(r0 + tile, rows);
            for (int c0 = 0; c0 < cols; c0 += tile)
            {
                int c1 = Math.Min(c0 + tile, cols);
                for (int r = r0; r < r1; r++)
                {
                    for (int c = c0; c < c1; c++) target[c * rows + r] = source[r * cols + c];
                }
            }
        }
    }

    /// <summary>An int64 initializer (buffers such as BERT's position_ids).</summary>
    public Value Int64(string name, long[] values, params long[] dims) => _graph.AddInitializer(name, Tensor.FromArray(values, dims));

    private static byte[] Allocate(long[] dims, bool zeroed)
    {
        long count = 1;
        foreach (var d in dims) count = checked(count * d);
        int length = checked((int)(count * sizeof(float)));
        return zeroed ? new byte[length] : GC.AllocateUninitializedArray<byte>(length);
    }
}

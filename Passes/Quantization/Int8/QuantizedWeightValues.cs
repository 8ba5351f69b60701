using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>The initializers of one quantized weight: int8 values, scales, zero points.</summary>
public sealed record QuantizedWeightValues(Value Values, Value Scales, Value ZeroPoints);

/// <summary>
/// Quantizes each weight once per pass run and hands out its initializers, so MatMuls sharing a weight (tied
/// embeddings, reused projections) share one int8 copy instead of each adding its own.
/// </summary>
public sealed class QuantizedWeightCache(WeightGranularity granularity, bool reduceRange)
{
    private readonly Dictionary<Value, QuantizedWeightValues> _done = new(ReferenceEqualityComparer.Instance);

    public WeightGranularity Granularity => granularity;

    public QuantizedWeightValues Get(LinearLayer layer, Rewriter rewriter) => Get(layer.Weight, layer.WeightTensor, rewriter);

    /// <summary>The int8 initializers of a constant f32 matrix <paramref name="tensor"/> [K, N] held by <paramref name="source"/>.</summary>
    public QuantizedWeightValues Get(Value source, Tensor tensor, Rewriter rewriter)
    {
        if (_done.TryGetValue(source, out var known) && known.Values.Graph == rewriter.Graph) return known;
        var weight = Int8Weight.Quantize(tensor.AsSpan<float>(), (int)tensor.Dims[0], (int)tensor.Dims[1], granularity, reduceRange);
        var name = source.Name;
        var values = new QuantizedWeightValues(
            rewriter.Constant(name + "_quantized", weight.ValuesTensor()),
            rewriter.Constant(name + "_scale", weight.ScalesTensor()),
            rewriter.Constant(name + "_zero_point", weight.ZeroPointsTensor()));
        _done[source] = values;
        return values;
    }

    /// <summary>Weights whose float initializers this run replaced (candidates for removal once unread).</summary>
    public IEnumerable<Value> ReplacedWeights => _done.Keys;
}

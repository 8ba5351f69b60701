using Onnxc.Ir;

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>A MatMul or Gemm whose weight is a constant float32 matrix, seen as y = A·W (+ bias) with W [K, N].</summary>
public sealed class WeightLayer
{
    private WeightLayer(Node node, Value input, Value weight, int k, int n, bool transposed, float alpha, Value? bias, float beta)
    {
        Node = node;
        Input = input;
        Weight = weight;
        K = k;
        N = n;
        Transposed = transposed;
        Alpha = alpha;
        Bias = bias;
        Beta = beta;
        WeightBytes = weight.Initializer!.ByteLength;
    }

    public Node Node { get; }

    /// <summary>The activation A (the value whose XᵀX GPTQ needs).</summary>
    public Value Input { get; }

    public Value Weight { get; }

    public string WeightName => Weight.Name;

    public int K { get; }

    public int N { get; }

    /// <summary>Gemm with transB = 1: the weight is stored [N, K].</summary>
    public bool Transposed { get; }

    public float Alpha { get; }

    public Value? Bias { get; }

    public float Beta { get; }

    /// <summary>Bytes of the float weight (kept, since the weight may be removed once replaced).</summary>
    public long WeightBytes { get; }

    /// <summary>The node as a weight layer, or null with the reason it cannot become MatMulNBits.</summary>
    public static WeightLayer? Match(Node node, out string? reason)
    {
        reason = null;
        var a = node.Input(0);
        var b = node.Input(1);
        if (a is null || b?.Initializer is not { } tensor || b.IsGraphInput) return Fail("the weight is not a constant initializer", out reason);
        if (tensor.ElementType != DataType.Float) return Fail($"the weight is {tensor.ElementType.ShortName()}, only f32 is quantized", out reason);
        if (tensor.Rank != 2) return Fail($"the weight has rank {tensor.Rank}, not 2", out reason);
        if (a.ElementType is { } t && t != DataType.Float) return Fail($"the activation is {t.ShortName()}, not f32", out reason);
        if (a.Shape is { Rank: < 2 }) return Fail("the activation is a vector; MatMulNBits needs rank >= 2", out reason);
        if (node.Is("MatMul")) return new WeightLayer(node, a, b, (int)tensor.Dims[0], (int)tensor.Dims[1], false, 1, null, 0);

        long transA = Int(node, "transA", 0), transB = Int(node, "transB", 0);
        float alpha = Float(node, "alpha", 1), beta = Float(node, "beta", 1);
        if (transA != 0) return Fail("Gemm with transA = 1 is not a weight layer MatMulNBits can express", out reason);
        int k = (int)tensor.Dims[transB != 0 ? 1 : 0], n = (int)tensor.Dims[transB != 0 ? 0 : 1];
        var c = node.Input(2);
        if (c is not null)
        {
            if (c.Initializer is not { } bias || bias.ElementType != DataType.Float) return Fail("the Gemm bias C is not a constant f32 tensor", out reason);
            if (bias.ElementCount != n || (bias.Rank == 2 && bias.Dims[0] != 1))
            {
                return Fail($"the Gemm bias C [{string.Join(",", bias.Dims)}] is not a row of N={n} (broadcast over rows is all MatMulNBits' bias can do)", out reason);
            }
        }
        return new WeightLayer(node, a, b, k, n, transB != 0, alpha, c, beta);
    }

    /// <summary>Wt[N, K] = (alpha·W)ᵀ as float32, the row layout MatMulNBits quantizes.</summary>
    public float[] TransposedWeights()
    {
        var w = Weight.Initializer!.AsSpan<float>();
        var wt = new float[(long)N * K];
        for (int n = 0; n < N; n++)
        {
            for (int k = 0; k < K; k++) wt[(long)n * K + k] = Alpha * (Transposed ? w[n * K + k] : w[k * N + n]);
        }
        return wt;
    }

    /// <summary>beta·C as a [N] vector, or null.</summary>
    public float[]? BiasValues() => Bias?.Initializer is { } c ? c.ToArray<float>().Select(v => Beta * v).ToArray() : null;

    private static long Int(Node node, string name, long fallback) => node.Attributes.FirstOrDefault(a => a.Name == name)?.AsInt() ?? fallback;

    private static float Float(Node node, string name, float fallback) => node.Attributes.FirstOrDefault(a => a.Name == name)?.AsFloat() ?? fallback;

    private static WeightLayer? Fail(string why, out string? reason)
    {
        reason = why;
        return null;
    }
}

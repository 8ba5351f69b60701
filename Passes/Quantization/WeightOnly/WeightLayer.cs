using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

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

    /// <summary>What MatMulNBits can replace: an initializer weight, a matrix activation, a Gemm bias that is a row of N.</summary>
    private static readonly LinearLayerRequirements Requirements = new() { WeightIsInitializer = true, MatrixActivation = true, GemmBiasIsRow = true };

    /// <summary>The node as a weight layer, or null with the reason it cannot become MatMulNBits.</summary>
    public static WeightLayer? Match(Node node, out string? reason)
    {
        var found = LinearLayerMatcher.Find(node, Requirements);
        reason = found.Reason ?? (found.Value is null ? "not a MatMul/Gemm with two inputs" : null);
        if (found.Value is not { } m) return null;
        return m.IsGemm ? new WeightLayer(node, m.Activation, m.Weight, m.K, m.N, m.Transposed, m.Alpha, m.GemmBias, m.Beta)
            : new WeightLayer(node, m.Activation, m.Weight, m.K, m.N, false, 1, null, 0);
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
    public float[]? BiasValues() => Patterns.ConstantTensor(Bias) is { } c ? c.ToArray<float>().Select(v => Beta * v).ToArray() : null;
}

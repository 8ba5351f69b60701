using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>
/// The decomposed building blocks torch.onnx.export writes at opset 14–17 (no LayerNormalization, Gelu or
/// RMSNorm ops), emitted op for op in the exporter's order so fusion passes see the real patterns.
/// </summary>
public static class TransformerBlocks
{
    /// <summary>
    /// LayerNorm over the last axis: ReduceMean → Sub → Pow(2) → ReduceMean → Add(eps) → Sqrt → Div → Mul(γ) → Add(β).
    /// Parameters are "&lt;scope&gt;weight" and "&lt;scope&gt;bias".
    /// </summary>
    public static Value LayerNorm(this GraphEmitter e, Value x, long size, float eps)
    {
        var gamma = e.Weights.NormScale(e.ParameterPrefix + "weight", size);
        var beta = e.Weights.Bias(e.ParameterPrefix + "bias", size);
        var mean = e.ReduceMeanLastAxis(x);
        var centered = e.Op("Sub", x, mean);
        var squared = e.Op("Pow", centered, e.Const(2f));
        var variance = e.ReduceMeanLastAxis(squared);
        var std = e.Op("Sqrt", e.Op("Add", variance, e.Const(eps)));
        var normalized = e.Op("Div", centered, std);
        return e.Op("Add", e.Op("Mul", normalized, gamma), beta);
    }

    /// <summary>
    /// Llama's RMSNorm: Pow(2) → ReduceMean → Add(eps) → Sqrt → Div(1, ·) (torch's rsqrt) → Mul(x) → Mul(weight).
    /// </summary>
    public static Value RmsNorm(this GraphEmitter e, Value x, long size, float eps)
    {
        var weight = e.Weights.NormScale(e.ParameterPrefix + "weight", size);
        var meanSquare = e.ReduceMeanLastAxis(e.Op("Pow", x, e.Const(2f)));
        var rsqrt = e.Op("Div", e.Const(1f), e.Op("Sqrt", e.Op("Add", meanSquare, e.Const(eps))));
        return e.Op("Mul", weight, e.Op("Mul", x, rsqrt));
    }

    /// <summary>
    /// A linear layer on a 3-D activation: MatMul with an [in, out] weight, then Add with the bias as the first
    /// input (the exporter's order). <paramref name="bias"/> false gives a bare MatMul (Llama).
    /// </summary>
    public static Value Linear(this GraphEmitter e, Value x, long inFeatures, long outFeatures, bool bias = true, float std = WeightFactory.InitStd)
    {
        var product = e.Op("MatMul", x, e.Weights.MatMulWeight(inFeatures, outFeatures, std));
        if (!bias) return product;
        return e.Op("Add", e.Weights.Bias(e.ParameterPrefix + "bias", outFeatures), product);
    }

    /// <summary>
    /// HuggingFace's Conv1D (GPT-2's projections) as the exporter writes torch.addmm: Reshape(x, [−1, x.size(−1)]) →
    /// Gemm(x, W[in, out], b) → Reshape to x.size()[:−1] + (out,). Same weight names as <see cref="Linear"/>.
    /// </summary>
    public static Value Conv1D(this GraphEmitter e, Value x, long inFeatures, long outFeatures, float std = WeightFactory.InitStd)
    {
        var flat = e.Op("Reshape", x, e.ShapeOf(-1L, e.Dim(x, -1)));
        var weight = e.Weights.MatMulWeight(inFeatures, outFeatures, std);
        var bias = e.Weights.Bias(e.ParameterPrefix + "bias", outFeatures);
        var product = e.Op("Gemm", new[] { flat, weight, bias }, Attribute.Float("alpha", 1f), Attribute.Float("beta", 1f));
        return e.Op("Reshape", product, e.ShapeOf(e.Dim(x, 0), e.Dim(x, 1), outFeatures));
    }

    /// <summary>A linear layer on a 2-D activation, which the exporter writes as Gemm(x, W[out,in], b, transB=1).</summary>
    public static Value Gemm(this GraphEmitter e, Value x, long inFeatures, long outFeatures)
    {
        var weight = e.Weights.Normal(e.ParameterPrefix + "weight", 0f, WeightFactory.InitStd, outFeatures, inFeatures);
        var bias = e.Weights.Bias(e.ParameterPrefix + "bias", outFeatures);
        return e.Op("Gemm", new[] { x, weight, bias }, Attribute.Float("alpha", 1f), Attribute.Float("beta", 1f), Attribute.Int("transB", 1));
    }

    /// <summary>GELU, erf form: Div(√2) → Erf → Add(1) → Mul(x) → Mul(0.5).</summary>
    public static Value GeluErf(this GraphEmitter e, Value x)
    {
        var erf = e.Op("Erf", e.Op("Div", x, e.Const(MathF.Sqrt(2f))));
        return e.Op("Mul", e.Op("Mul", x, e.Op("Add", erf, e.Const(1f))), e.Const(0.5f));
    }

    /// <summary>
    /// GPT-2's tanh GELU, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): Mul(x, 0.5); Pow(x, 3) → Mul → Add(x) → Mul → Tanh → Add(1) → Mul.
    /// </summary>
    public static Value GeluTanh(this GraphEmitter e, Value x)
    {
        var half = e.Op("Mul", x, e.Const(0.5f));
        var cubic = e.Op("Mul", e.Op("Pow", x, e.Const(3f)), e.Const(0.044715f));
        var inner = e.Op("Mul", e.Op("Add", x, cubic), e.Const(MathF.Sqrt(2f / MathF.PI)));
        return e.Op("Mul", half, e.Op("Add", e.Op("Tanh", inner), e.Const(1f)));
    }

    /// <summary>SiLU as the exporter writes it: Mul(x, Sigmoid(x)).</summary>
    public static Value Silu(this GraphEmitter e, Value x) => e.Op("Mul", x, e.Op("Sigmoid", x));

    /// <summary>
    /// [B, S, H·D] → Reshape [B, S, H, D] (B and S from Shape → Gather → Unsqueeze → Concat) → Transpose(perm).
    /// Queries and values use (0,2,1,3); keys (0,2,3,1), the exporter's merge of the two transposes.
    /// </summary>
    public static Value SplitHeads(this GraphEmitter e, Value x, int heads, int headSize, params long[] perm)
    {
        var batch = e.Dim(x, 0);
        var sequence = e.Dim(x, 1);
        var reshaped = e.Op("Reshape", x, e.ShapeOf(batch, sequence, heads, headSize));
        return e.Op("Transpose", reshaped, Attribute.Ints("perm", perm));
    }

    /// <summary>[B, H, S, D] → Transpose(0,2,1,3) → Reshape [B, S, hidden], sizes read back from the transposed tensor.</summary>
    public static Value MergeHeads(this GraphEmitter e, Value context, int hidden)
    {
        var transposed = e.Op("Transpose", context, Attribute.Ints("perm", 0, 2, 1, 3));
        var batch = e.Dim(transposed, 0);
        var sequence = e.Dim(transposed, 1);
        return e.Op("Reshape", transposed, e.ShapeOf(batch, sequence, hidden));
    }

    /// <summary>Renames a computed value to a graph output name and declares its type.</summary>
    public static Value MarkOutput(this GraphEmitter e, Value value, string name, TensorType type)
    {
        value.Name = name;
        value.Type = type;
        e.Graph.AddOutput(value);
        return value;
    }
}

using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>
/// GPT-2 laid out as torch.onnx.export writes nanoGPT (see shared/models/TRAINED.md, chargpt-fortunes): Range
/// positions, a tril buffer mask read through Identity, Slice/Slice/Equal/Cast/Where(−inf), Split of the fused
/// c_attn, a run-time head size (Div → Cast → Cast) and a tied LM head stored as a transposed copy.
/// </summary>
public static class Gpt2Builder
{
    /// <summary>Builds the model: input input_ids int64 [batch, sequence ≤ Context]; output logits float [batch, sequence, vocab].</summary>
    public static Model Build(Gpt2Config config, int seed = 0, int opset = SampleOpsets.Default)
    {
        var (graph, e) = Begin(config, seed, opset);
        var ids = graph.AddInput(new Value("input_ids", SampleOpsets.Tensor(DataType.Int64, "batch", "sequence")));
        Decoder(e, config, ids,
            positions: () => e.Op("Range", new[] { e.ConstScalar(0), e.Op("Cast", e.Dim(ids, 1), Attribute.Int("to", (long)DataType.Int64)), e.ConstScalar(1) }),
            attention: () =>
            {
                var causal = e.Weights.Computed("h.0.attn.bias", m => FillLowerTriangle(m, config.Context), 1, 1, config.Context, config.Context);
                return (layer, normed, residualStd) =>
                {
                    // The exporter stores the shared buffer once; later layers read it through Identity.
                    var mask = layer == 0 ? causal : e.Op("Identity", causal);
                    return Attention(e, config, normed, mask, residualStd);
                };
            });
        return SampleOpsets.CreateModel(graph, opset);
    }

    /// <summary>A graph named "gpt2" and its emitter, after validating the config and opset.</summary>
    internal static (Graph Graph, GraphEmitter Emitter) Begin(Gpt2Config config, int seed, int opset)
    {
        config.Validate();
        SampleOpsets.Validate(opset);
        var graph = new Graph("gpt2");
        return (graph, new GraphEmitter(graph, opset, new WeightFactory(graph, seed)));
    }

    /// <summary>
    /// The decoder stack shared by both layouts: token + position embeddings (<paramref name="positions"/> emits the
    /// position ids), pre-LN blocks whose attention the function <paramref name="attention"/> returns emits (layer,
    /// normed input, residual std), final LN and the tied LM head → "logits". The callbacks run where the exporter
    /// writes their nodes; weights have the same names in both layouts, so a seed gives both the same weights.
    /// </summary>
    internal static void Decoder(GraphEmitter e, Gpt2Config config, Value ids, Func<Value> positions, Func<Func<int, Value, float, Value>> attention,
        Projection? linear = null)
    {
        linear ??= Projection.MatMul;
        var wte = e.Weights.Normal("wte.weight", 0f, WeightFactory.InitStd, config.VocabSize, config.Hidden);
        var wpe = e.Weights.Normal("wpe.weight", 0f, WeightFactory.InitStd, config.Context, config.Hidden);
        var tokens = e.Op("Gather", wte, ids, Attribute.Int("axis", 0));
        var x = e.Op("Add", tokens, e.Op("Gather", wpe, positions(), Attribute.Int("axis", 0)));
        var layerAttention = attention();
        // GPT-2's residual projections start smaller (0.02/√(2·layers)) so the residual stream stays O(1) with depth.
        float residualStd = WeightFactory.InitStd / MathF.Sqrt(2f * config.Layers);
        for (int i = 0; i < config.Layers; i++)
        {
            using (e.Scope($"h.{i}"))
            {
                Value normed, attended, mlp;
                using (e.Scope("ln_1")) normed = e.LayerNorm(x, config.Hidden, config.LayerNormEps);
                using (e.Scope("attn")) attended = layerAttention(i, normed, residualStd);
                x = e.Op("Add", x, attended);
                using (e.Scope("ln_2")) normed = e.LayerNorm(x, config.Hidden, config.LayerNormEps);
                using (e.Scope("mlp")) mlp = Mlp(e, config, normed, residualStd, linear);
                x = e.Op("Add", x, mlp);
            }
        }
        using (e.Scope("ln_f")) x = e.LayerNorm(x, config.Hidden, config.LayerNormEps);
        Value logits;
        using (e.Scope("lm_head")) logits = e.Op("MatMul", x, e.Weights.TransposedCopy(wte));
        e.MarkOutput(logits, "logits", SampleOpsets.Tensor(DataType.Float, "batch", "sequence", config.VocabSize));
    }

    private static Value Attention(GraphEmitter e, Gpt2Config c, Value x, Value causal, float residualStd)
    {
        var batch = e.Dim(x, 0);
        var length = e.Dim(x, 1);
        var channels = e.Dim(x, 2);
        // C // n_head traced on the shape: Div → Cast → Cast.
        var toInt64 = Attribute.Int("to", (long)DataType.Int64);
        var headSize = e.Op("Cast", e.Op("Cast", e.Op("Div", channels, e.ConstScalar(c.Heads)), toInt64), toInt64);

        Value qkv;
        using (e.Scope("c_attn")) qkv = e.Linear(x, c.Hidden, 3 * c.Hidden);
        var parts = e.Split(qkv, 2, c.Hidden, c.Hidden, c.Hidden);
        var k = e.Op("Transpose", e.Op("Reshape", parts[1], e.ShapeOf(batch, length, c.Heads, headSize)), Attribute.Ints("perm", 0, 2, 3, 1));
        var q = e.Op("Transpose", e.Op("Reshape", parts[0], e.ShapeOf(batch, length, c.Heads, headSize)), Attribute.Ints("perm", 0, 2, 1, 3));
        var v = e.Op("Transpose", e.Op("Reshape", parts[2], e.ShapeOf(batch, length, c.Heads, headSize)), Attribute.Ints("perm", 0, 2, 1, 3));

        var scores = e.Op("Mul", e.Op("MatMul", q, k), e.Const(1f / MathF.Sqrt(c.HeadSize)));
        // bias[:, :, :T, :T] == 0 → masked_fill(−inf)
        var rows = e.Op("Slice", new[] { causal, e.ConstInts(0), e.Unsqueeze(length, 0), e.ConstInts(2), e.ConstInts(1) });
        var window = e.Op("Slice", new[] { rows, e.ConstInts(0), e.Unsqueeze(length, 0), e.ConstInts(3), e.ConstInts(1) });
        var future = e.Op("Cast", e.Op("Equal", window, e.Const(0f)), Attribute.Int("to", (long)DataType.Bool));
        scores = e.Op("Where", new[] { future, e.Const(float.NegativeInfinity), scores });
        var probabilities = e.Op("Softmax", scores, Attribute.Int("axis", -1));

        var y = e.Op("Transpose", e.Op("MatMul", probabilities, v), Attribute.Ints("perm", 0, 2, 1, 3));
        y = e.Op("Reshape", y, e.ShapeOf(batch, length, channels));
        using (e.Scope("c_proj")) return e.Linear(y, c.Hidden, c.Hidden, std: residualStd);
    }

    private static Value Mlp(GraphEmitter e, Gpt2Config c, Value x, float residualStd, Projection linear)
    {
        Value hidden;
        using (e.Scope("c_fc")) hidden = linear.Emit(e, x, c.Hidden, c.Inner, WeightFactory.InitStd);
        hidden = e.GeluTanh(hidden);
        using (e.Scope("c_proj")) return linear.Emit(e, hidden, c.Inner, c.Hidden, residualStd);
    }

    private static void FillLowerTriangle(Span<float> mask, int size)
    {
        for (int row = 0; row < size; row++)
        {
            mask.Slice(row * size, row + 1).Fill(1f);
        }
    }
}

/// <summary>How a GPT-2 sample writes its projections: nanoGPT's MatMul + Add, or HuggingFace's Conv1D (Reshape → Gemm → Reshape).</summary>
public sealed record Projection(Func<GraphEmitter, Value, long, long, float, Value> Emit)
{
    public static Projection MatMul { get; } = new((e, x, inFeatures, outFeatures, std) => e.Linear(x, inFeatures, outFeatures, std: std));

    public static Projection Conv1D { get; } = new((e, x, inFeatures, outFeatures, std) => e.Conv1D(x, inFeatures, outFeatures, std));
}

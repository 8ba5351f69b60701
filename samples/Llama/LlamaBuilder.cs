using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>
/// Llama as torch.onnx.export writes HuggingFace LlamaForCausalLM at opset 14: decomposed RMSNorm, rotary
/// embeddings from cos/sin cache initializers gathered by Range positions (rotate_half as Slice/Neg/Concat), an
/// additive causal mask built at run time (Less/Where with float.MinValue), SwiGLU MLP, no biases.
/// </summary>
public static class LlamaBuilder
{
    /// <summary>Builds the model: input input_ids int64 [batch, sequence ≤ MaxPositions]; output logits float [batch, sequence, vocab].</summary>
    /// <param name="positionIdsInput">
    /// Read the rotary positions from a second input, position_ids int64 [batch, sequence] (each &lt; MaxPositions), as
    /// HF transformers 4.31–4.37 export Llama (cos_cached[position_ids]); otherwise they are Range(0, sequence).
    /// </param>
    /// <param name="computedRotary">
    /// Compute cos/sin at run time from inv_freq and the positions, as HF transformers ≥ 4.38 export it (no cache;
    /// then positions are unbounded), instead of gathering rows of cos_cached/sin_cached.
    /// </param>
    public static Model Build(LlamaConfig config, int seed = 0, int opset = SampleOpsets.Default, bool positionIdsInput = false, bool computedRotary = false)
    {
        config.Validate();
        SampleOpsets.Validate(opset);
        var graph = new Graph("llama");
        var e = new GraphEmitter(graph, opset, new WeightFactory(graph, seed));
        var ids = graph.AddInput(new Value("input_ids", SampleOpsets.Tensor(DataType.Int64, "batch", "sequence")));
        var positionIds = positionIdsInput ? graph.AddInput(new Value("position_ids", SampleOpsets.Tensor(DataType.Int64, "batch", "sequence"))) : null;

        Value x, logits;
        using (e.Scope("model"))
        {
            var embedding = e.Weights.Normal(e.ParameterPrefix + "embed_tokens.weight", 0f, WeightFactory.InitStd, config.VocabSize, config.Hidden);
            x = e.Op("Gather", embedding, ids, Attribute.Int("axis", 0));
            var positions = e.Op("Range", new[] { e.ConstScalar(0), e.Dim(ids, 1), e.ConstScalar(1) });
            var rotaryPositions = positionIds ?? e.Unsqueeze(positions, 0);
            var rotary = computedRotary ? ComputedRotary(e, config, rotaryPositions) : Rotary(e, config, rotaryPositions);
            var mask = CausalMask(e, positions);
            float residualStd = WeightFactory.InitStd / MathF.Sqrt(2f * config.Layers);
            for (int i = 0; i < config.Layers; i++)
            {
                using (e.Scope($"layers.{i}")) x = Layer(e, config, x, rotary, mask, residualStd);
            }
            using (e.Scope("norm")) x = e.RmsNorm(x, config.Hidden, config.RmsNormEps);
        }
        using (e.Scope("lm_head")) logits = e.Linear(x, config.Hidden, config.VocabSize, bias: false);
        e.MarkOutput(logits, "logits", SampleOpsets.Tensor(DataType.Float, "batch", "sequence", config.VocabSize));
        return SampleOpsets.CreateModel(graph, opset);
    }

    private readonly record struct RotaryTables(Value Cos, Value Sin);

    /// <summary>cos/sin caches [MaxPositions, D] gathered at the [1 or batch, T] position ids and unsqueezed to [1 or batch, 1, T, D].</summary>
    private static RotaryTables Rotary(GraphEmitter e, LlamaConfig c, Value positionIds)
    {
        int d = c.HeadSize;
        using var scope = e.Scope("rotary_emb");
        var cos = e.Weights.Computed(e.ParameterPrefix + "cos_cached", t => FillRotary(t, c, Math.Cos), c.MaxPositions, d);
        var sin = e.Weights.Computed(e.ParameterPrefix + "sin_cached", t => FillRotary(t, c, Math.Sin), c.MaxPositions, d);
        return new RotaryTables(
            e.Unsqueeze(e.Op("Gather", cos, positionIds, Attribute.Int("axis", 0)), 1),
            e.Unsqueeze(e.Op("Gather", sin, positionIds, Attribute.Int("axis", 0)), 1));
    }

    /// <summary>
    /// HF ≥ 4.38's LlamaRotaryEmbedding.forward as torch.onnx.export writes it with constant folding:
    /// freqs = (inv_freq[None, :, None].expand(B, -1, 1) @ position_ids[:, None, :].float()).transpose(1, 2),
    /// emb = cat(freqs, freqs), cos = emb.cos() · attention_scaling (1.0), sin alike; unsqueezed at 1 for the heads.
    /// </summary>
    private static RotaryTables ComputedRotary(GraphEmitter e, LlamaConfig c, Value positionIds)
    {
        int d = c.HeadSize, half = d / 2;
        using var scope = e.Scope("rotary_emb");
        var inverseFrequencies = e.Weights.Computed(e.ParameterPrefix + "inv_freq", t =>
        {
            for (int i = 0; i < half; i++) t[i] = (float)(1.0 / Math.Pow(c.RopeTheta, 2.0 * i / d));
        }, 1, half, 1);
        // expand(B, -1, 1): torch writes the -1 as 1 behind Where(Equal(size, -1), 1, size).
        var size = e.Op("Concat", new[] { e.Unsqueeze(e.Dim(positionIds, 0), 0), e.ConstInts(-1), e.ConstInts(1) }, Attribute.Int("axis", 0));
        size = e.Op("Where", new[] { e.Op("Equal", size, e.ConstInts(-1, -1, -1)), e.ConstInts(1, 1, 1), size });
        var expanded = e.Op("Expand", inverseFrequencies, size);
        var positions = e.Op("Cast", e.Unsqueeze(positionIds, 1), Attribute.Int("to", (long)DataType.Float));
        var freqs = e.Op("Transpose", e.Op("MatMul", expanded, positions), Attribute.Ints("perm", 0, 2, 1));
        var emb = e.Op("Concat", new[] { freqs, freqs }, Attribute.Int("axis", -1));
        var cos = e.Op("Mul", e.Op("Cos", emb), e.Const(1f));
        var sin = e.Op("Mul", e.Op("Sin", emb), e.Const(1f));
        return new RotaryTables(e.Unsqueeze(cos, 1), e.Unsqueeze(sin, 1));
    }

    /// <summary>emb = cat(freqs, freqs) with freqs[t, i] = t / θ^(2i/D); computed in double, stored as float.</summary>
    private static void FillRotary(Span<float> table, LlamaConfig c, Func<double, double> wave)
    {
        int d = c.HeadSize, half = d / 2;
        for (int t = 0; t < c.MaxPositions; t++)
        {
            for (int i = 0; i < half; i++)
            {
                double inverseFrequency = 1.0 / Math.Pow(c.RopeTheta, 2.0 * i / d);
                float value = (float)wave(t * inverseFrequency);
                table[t * d + i] = value;
                table[t * d + half + i] = value;
            }
        }
    }

    /// <summary>HF's _make_causal_mask: Where(col &lt; row + 1, 0, float.MinValue), unsqueezed to [1, 1, T, T].</summary>
    private static Value CausalMask(GraphEmitter e, Value positions)
    {
        var rows = e.Unsqueeze(positions, 1);
        var columns = e.Unsqueeze(positions, 0);
        var allowed = e.Op("Less", columns, e.Op("Add", rows, e.ConstScalar(1)));
        var mask = e.Op("Where", new[] { allowed, e.Const(0f), e.Const(float.MinValue) });
        return e.Unsqueeze(mask, 0, 1);
    }

    private static Value Layer(GraphEmitter e, LlamaConfig c, Value x, RotaryTables rotary, Value mask, float residualStd)
    {
        Value normed, attention, mlp;
        using (e.Scope("input_layernorm")) normed = e.RmsNorm(x, c.Hidden, c.RmsNormEps);
        using (e.Scope("self_attn")) attention = Attention(e, c, normed, rotary, mask, residualStd);
        x = e.Op("Add", x, attention);
        using (e.Scope("post_attention_layernorm")) normed = e.RmsNorm(x, c.Hidden, c.RmsNormEps);
        using (e.Scope("mlp")) mlp = Mlp(e, c, normed, residualStd);
        return e.Op("Add", x, mlp);
    }

    private static Value Attention(GraphEmitter e, LlamaConfig c, Value x, RotaryTables rotary, Value mask, float residualStd)
    {
        Value q, k, v;
        using (e.Scope("q_proj")) q = e.Linear(x, c.Hidden, c.Hidden, bias: false);
        using (e.Scope("k_proj")) k = e.Linear(x, c.Hidden, c.Hidden, bias: false);
        using (e.Scope("v_proj")) v = e.Linear(x, c.Hidden, c.Hidden, bias: false);
        var queries = ApplyRotary(e, e.SplitHeads(q, c.Heads, c.HeadSize, 0, 2, 1, 3), rotary, c.HeadSize);
        var keys = ApplyRotary(e, e.SplitHeads(k, c.Heads, c.HeadSize, 0, 2, 1, 3), rotary, c.HeadSize);
        var values = e.SplitHeads(v, c.Heads, c.HeadSize, 0, 2, 1, 3);
        var keysT = e.Op("Transpose", keys, Attribute.Ints("perm", 0, 1, 3, 2));
        var scores = e.Op("Div", e.Op("MatMul", queries, keysT), e.Const(MathF.Sqrt(c.HeadSize)));
        scores = e.Op("Add", scores, mask);
        var probabilities = e.Op("Softmax", scores, Attribute.Int("axis", -1));
        var context = e.MergeHeads(e.Op("MatMul", probabilities, values), c.Hidden);
        using (e.Scope("o_proj")) return e.Linear(context, c.Hidden, c.Hidden, bias: false, std: residualStd);
    }

    /// <summary>x·cos + rotate_half(x)·sin, rotate_half(x) = cat(−x[..., D/2:], x[..., :D/2]).</summary>
    private static Value ApplyRotary(GraphEmitter e, Value x, RotaryTables rotary, int headSize)
    {
        int half = headSize / 2;
        var first = e.Op("Slice", new[] { x, e.ConstInts(0), e.ConstInts(half), e.ConstInts(-1), e.ConstInts(1) });
        var second = e.Op("Slice", new[] { x, e.ConstInts(half), e.ConstInts(long.MaxValue), e.ConstInts(-1), e.ConstInts(1) });
        var rotated = e.Op("Concat", new[] { e.Op("Neg", second), first }, Attribute.Int("axis", -1));
        return e.Op("Add", e.Op("Mul", x, rotary.Cos), e.Op("Mul", rotated, rotary.Sin));
    }

    private static Value Mlp(GraphEmitter e, LlamaConfig c, Value x, float residualStd)
    {
        Value gate, up;
        using (e.Scope("gate_proj")) gate = e.Linear(x, c.Hidden, c.Intermediate, bias: false);
        using (e.Scope("up_proj")) up = e.Linear(x, c.Hidden, c.Intermediate, bias: false);
        var hidden = e.Op("Mul", e.Silu(gate), up);
        using (e.Scope("down_proj")) return e.Linear(hidden, c.Intermediate, c.Hidden, bias: false, std: residualStd);
    }
}

using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>
/// GPT-2 as a decoder step with a KV cache, laid out as torch.onnx.export writes HuggingFace's GPT2LMHeadModel with
/// use_cache=True (the interface HF optimum exports): past keys/values are concatenated before the new ones along
/// the sequence axis and returned as present.{i}.key/value; positions start at the past length; the bool tril
/// buffer is sliced to rows [P, P+S) and columns [0, P+S) and applied with Where(mask, scores, finfo.min); the
/// padding mask (1 − attention_mask)·finfo.min is added after it. LayerNorm, GELU and the LM head stay those of
/// <see cref="Gpt2Builder"/>; projections are nanoGPT's MatMul + Add by default (the catalogue's samples) or HF's
/// Conv1D (Reshape → Gemm → Reshape) with <see cref="Projection.Conv1D"/>. The weights are the same for a seed, so at
/// P = 0 with an all-ones mask every variant computes gpt2's logits.
/// </summary>
public static class Gpt2PastBuilder
{
    /// <summary>The symbolic dims of the interface.</summary>
    public const string Batch = "batch", Sequence = "sequence", Past = "past_sequence", Total = "past_sequence + sequence";

    /// <summary>
    /// Inputs input_ids int64 [batch, sequence], attention_mask int64 [batch, past+sequence], then
    /// past_key_values.{i}.key/.value float [batch, heads, past, head_size]; outputs logits, then present.{i}.key/.value
    /// [batch, heads, past+sequence, head_size].
    /// </summary>
    public static Model Build(Gpt2Config config, int seed = 0, int opset = SampleOpsets.Default, Projection? projections = null)
    {
        var linear = projections ?? Projection.MatMul;
        var (graph, e) = Gpt2Builder.Begin(config, seed, opset);
        var ids = graph.AddInput(new Value("input_ids", SampleOpsets.Tensor(DataType.Int64, Batch, Sequence)));
        var attentionMask = graph.AddInput(new Value("attention_mask", SampleOpsets.Tensor(DataType.Int64, Batch, Total)));
        var past = new (Value Key, Value Value)[config.Layers];
        for (int i = 0; i < config.Layers; i++)
        {
            var type = SampleOpsets.Tensor(DataType.Float, Batch, config.Heads, Past, config.HeadSize);
            past[i] = (graph.AddInput(new Value($"past_key_values.{i}.key", type)), graph.AddInput(new Value($"past_key_values.{i}.value", type)));
        }
        var presentType = SampleOpsets.Tensor(DataType.Float, Batch, config.Heads, Total, config.HeadSize);
        var presents = new List<(Value Key, Value Value)>();

        Gpt2Builder.Decoder(e, config, ids,
            positions: () =>
            {
                // torch.arange(past_length, input_shape[-1] + past_length).unsqueeze(0), past_length = past[0][0].size(-2).
                var pastLength = e.Dim(past[0].Key, -2);
                var end = e.Op("Add", e.Dim(ids, -1), pastLength);
                return e.Unsqueeze(e.Op("Range", new[] { pastLength, end, e.ConstScalar(1) }), 0);
            },
            attention: () =>
            {
                var padding = PaddingMask(e, ids, attentionMask);
                var causal = e.Weights.BoolMask("h.0.attn.bias", m => FillLowerTriangle(m, config.Context), 1, 1, config.Context, config.Context);
                return (layer, normed, residualStd) =>
                {
                    var mask = layer == 0 ? causal : e.Op("Identity", causal);
                    var (output, key, value) = Attention(e, config, normed, past[layer], mask, padding, residualStd, linear);
                    presents.Add((key, value));
                    return output;
                };
            },
            linear);
        for (int i = 0; i < presents.Count; i++)
        {
            e.MarkOutput(presents[i].Key, $"present.{i}.key", presentType);
            e.MarkOutput(presents[i].Value, $"present.{i}.value", presentType);
        }
        return SampleOpsets.CreateModel(graph, opset);
    }

    /// <summary>
    /// GPT2Model's extended mask: view(batch, −1) → [:, None, None, :] → to(float) → (1.0 − m)·finfo(float).min,
    /// a [batch, 1, 1, past+sequence] additive mask.
    /// </summary>
    private static Value PaddingMask(GraphEmitter e, Value ids, Value attentionMask)
    {
        var flat = e.Op("Reshape", attentionMask, e.ShapeOf(e.Dim(ids, 0), -1L));
        var expanded = e.Unsqueeze(e.Unsqueeze(flat, 1), 2);
        var asFloat = e.Op("Cast", expanded, Attribute.Int("to", (long)DataType.Float));
        return e.Op("Mul", e.Op("Sub", e.Const(1f), asFloat), e.Const(float.MinValue));
    }

    /// <summary>GPT2Attention with layer_past: returns the projected output and the concatenated key and value (the presents).</summary>
    private static (Value Output, Value Key, Value Value) Attention(GraphEmitter e, Gpt2Config c, Value x, (Value Key, Value Value) past,
        Value causal, Value padding, float residualStd, Projection linear)
    {
        Value qkv;
        using (e.Scope("c_attn")) qkv = linear.Emit(e, x, c.Hidden, 3 * c.Hidden, WeightFactory.InitStd);
        var parts = e.Split(qkv, 2, c.Hidden, c.Hidden, c.Hidden);
        var query = e.SplitHeads(parts[0], c.Heads, c.HeadSize, 0, 2, 1, 3);
        var key = e.Op("Concat", new[] { past.Key, e.SplitHeads(parts[1], c.Heads, c.HeadSize, 0, 2, 1, 3) }, Attribute.Int("axis", -2));
        var value = e.Op("Concat", new[] { past.Value, e.SplitHeads(parts[2], c.Heads, c.HeadSize, 0, 2, 1, 3) }, Attribute.Int("axis", -2));

        var scores = e.Op("MatMul", query, e.Op("Transpose", key, Attribute.Ints("perm", 0, 1, 3, 2)));
        scores = e.Op("Div", scores, e.Const(MathF.Sqrt(c.HeadSize)));
        // causal_mask = bias[:, :, key_length − query_length : key_length, :key_length]
        var queryLength = e.Dim(query, -2);
        var keyLength = e.Dim(key, -2);
        var rows = e.Op("Slice", new[] { causal, e.Unsqueeze(e.Op("Sub", keyLength, queryLength), 0), e.Unsqueeze(keyLength, 0), e.ConstInts(2), e.ConstInts(1) });
        var window = e.Op("Slice", new[] { rows, e.ConstInts(0), e.Unsqueeze(keyLength, 0), e.ConstInts(3), e.ConstInts(1) });
        scores = e.Op("Where", new[] { window, scores, e.Const(float.MinValue) });
        scores = e.Op("Add", scores, padding);
        var probabilities = e.Op("Softmax", scores, Attribute.Int("axis", -1));

        var y = e.MergeHeads(e.Op("MatMul", probabilities, value), c.Hidden);
        Value output;
        using (e.Scope("c_proj")) output = linear.Emit(e, y, c.Hidden, c.Hidden, residualStd);
        return (output, key, value);
    }

    private static void FillLowerTriangle(Span<bool> mask, int size)
    {
        for (int row = 0; row < size; row++) mask.Slice(row * size, row + 1).Fill(true);
    }
}

using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>Emits com.microsoft Attention for a matched self-attention: packed [Wq|Wk|Wv] weights and biases.</summary>
public static class AttentionBuilder
{
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>Adds the Attention node (and an Expand for a mask that must grow to [.., S, S]) and rewires the output.</summary>
    public static void Emit(SelfAttentionMatch m, Rewriter rewriter, bool unidirectional)
    {
        long inFeatures = m.Query.Projection.InFeatures, hidden = m.Hidden, packed = 3 * hidden;
        var weights = new float[inFeatures * packed];
        var bias = new float[packed];
        HeadTensor[] parts = { m.Query, m.Key, m.Value };
        for (int i = 0; i < 3; i++)
        {
            parts[i].Projection.CopyColumns(parts[i].ColumnStart, hidden, weights, packed, i * hidden);
            parts[i].Projection.CopyBias(parts[i].ColumnStart, hidden, bias, i * hidden);
        }
        string hint = (m.MergeReshape.Name ?? "attention").Replace('/', '_').Trim('_');
        var w = rewriter.Constant(hint + "_qkv_weight", Tensor.FromArray(weights, inFeatures, packed));
        var b = rewriter.Constant(hint + "_qkv_bias", Tensor.FromArray(bias, packed));

        Value? attentionBias = PaddingMask(m.Mask, rewriter) is { } padding ? FullMask(padding, m.Input, rewriter) : null;
        var inputs = new List<Value?> { m.Input, w, b };
        if (attentionBias is not null) inputs.AddRange(new Value?[] { null, null, attentionBias });
        var attributes = new List<Attribute> { Attribute.Int("num_heads", m.Heads), Attribute.Float("scale", (float)m.Scale) };
        if (unidirectional) attributes.Add(Attribute.Int("unidirectional", 1));
        // Causal positions get the Where's fill added on top of the padding mask, as in the original graph; without a
        // padding mask the default filter is as exact and keeps the op as ORT's optimizer writes it.
        if (m.Mask is ScoreMask.Causal { Padding: not null } causal) attributes.Add(Attribute.Float("mask_filter_value", (float)causal.Fill));
        var node = rewriter.Add("Attention", inputs, domain: MicrosoftDomain, attributes: attributes, name: hint + "_Attention");
        rewriter.Replace(m.MergeReshape.Output(0), node.Output(0));
        rewriter.RemoveIfUnused(m.AllNodes);
    }

    /// <summary>The additive padding mask of <paramref name="mask"/> (emitted for a masked_fill one), or null when it has none.</summary>
    internal static Value? PaddingMask(ScoreMask mask, Rewriter rewriter) => mask switch
    {
        ScoreMask.Additive additive => additive.Mask,
        ScoreMask.Causal { Padding: { } causalPadding } => causalPadding.Mask,
        ScoreMask.Filled filled => MaskedFillMask.Additive(filled, rewriter),
        _ => null,
    };

    /// <summary>
    /// ORT's attention_bias must be [B|1, H|1, S, S]; a padding mask [.., .., 1, S] (or [.., .., 1, 1]) is expanded
    /// to [.., .., S, S]. When the mask's key dim is provably S the target is built from the mask alone, so every
    /// layer's copy is identical and common-subexpression elimination keeps one; otherwise S is read from the input.
    /// </summary>
    internal static Value FullMask(Value mask, Value input, Rewriter rewriter)
    {
        var m = mask.Shape!;
        if (!(m[2] is { IsStatic: true, Value: 1 }) && !(m[3] is { IsStatic: true, Value: 1 }) && ShapeFacts.SameDim(m[2], m[3])) return mask;
        bool fromMask = input.Shape is { Rank: 3 } x && ShapeFacts.SameDim(m[3], x[1]);
        var shape = rewriter.Add("Shape", new[] { fromMask ? mask : input }).Output(0);
        var start = rewriter.Constant("onnxc_attn_seq_start", Tensor.Vector(fromMask ? 3L : 1L));
        var end = rewriter.Constant("onnxc_attn_seq_end", Tensor.Vector(fromMask ? 4L : 2L));
        var sequence = rewriter.Add("Slice", new Value?[] { shape, start, end }).Output(0);
        var ones = rewriter.Constant("onnxc_attn_ones2", Tensor.Vector(1L, 1L));
        var target = rewriter.Add("Concat", new[] { ones, sequence, sequence }, attributes: new[] { Attribute.Int("axis", 0) }).Output(0);
        return rewriter.Add("Expand", new[] { mask, target }).Output(0);
    }
}

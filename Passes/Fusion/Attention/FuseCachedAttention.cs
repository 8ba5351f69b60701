using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// Self-attention over cached keys and values (GPT-2 with past_key_values: K/V heads appended to the past by Concat on
/// the sequence axis, the result returned as present.{i}.key/value) → com.microsoft MultiHeadAttention with
/// past_key/past_value inputs and present_key/present_value outputs, which keep the present outputs' names.
/// Causal masks sliced for the offset P become unidirectional=1 (ORT masks key j &gt; P + i for query i, the same
/// window) with the Where's fill as mask_filter_value; a padding (additive) mask becomes attention_bias [B|1, H|1, S, P + S].
/// MultiHeadAttention rather than Attention: Attention's past/present is one stacked [2, B, H, P, D] tensor, so
/// keeping the model's separate key/value interface would cost a Concat before and a Split after every layer.
/// </summary>
public sealed class FuseCachedAttention(AttentionAnalysis analysis) : RewriteRule<SelfAttentionMatch>
{
    public override string Name => "cached-attention";

    public override string RootOp => "Reshape";

    protected override Match<SelfAttentionMatch> Find(Node root) =>
        SelfAttentionMatcher.ReadsPast(root) ? SelfAttentionMatcher.Find(root, analysis.Facts) : Match<SelfAttentionMatch>.None;

    protected override string? Check(SelfAttentionMatch m, Rewriter rewriter)
    {
        if (m.HasRotary) return "rotary q/k over a past is not supported";
        if (m.Key.Past is not { } pastKey || m.Value.Past is not { } pastValue) return "values are concatenated to a past but keys are not";
        if (m.Query.Flat is null || m.Key.Flat is null || m.Value.Flat is null) return "cached attention from packed QKV is not supported";
        foreach (var (past, what) in new[] { (pastKey, "past key"), (pastValue, "past value") })
        {
            if (past.ElementType is not DataType.Float) return $"{what} is not float32";
            if (past.Shape is not { Rank: 4 } p) return $"{what} is not known to be 4-D [B, H, P, D]";
            if (!ShapeFacts.SameDim(p[1], Dim.Of(m.Heads)) || !ShapeFacts.SameDim(p[3], Dim.Of(m.Query.HeadSize)))
                return $"{what} has shape {p}, not [B, {m.Heads}, P, {m.Query.HeadSize}]";
        }
        if (PresentReaders(m.Key.PastConcat!, m.ScoresProduct, m) is { } keyReason) return "present key: " + keyReason;
        if (PresentReaders(m.Value.PastConcat!, m.ContextProduct, m) is { } valueReason) return "present value: " + valueReason;
        return SelfAttentionMatcher.Check(m, analysis.Facts);
    }

    protected override void Rewrite(SelfAttentionMatch m, Rewriter rewriter)
    {
        string hint = (m.MergeReshape.Name ?? "attention").Replace('/', '_').Trim('_');
        var inputs = new List<Value?> { m.Query.Flat, m.Key.Flat, m.Value.Flat, null, null, null, m.Key.Past, m.Value.Past };
        var attributes = new List<Attribute> { Attribute.Int("num_heads", m.Heads), Attribute.Float("scale", (float)m.Scale) };
        if (m.Mask is ScoreMask.Causal causal)
        {
            attributes.Add(Attribute.Int("unidirectional", 1));
            attributes.Add(Attribute.Float("mask_filter_value", (float)causal.Fill));
            if (causal.Padding is { } padding) inputs[5] = KeyWindowMask(padding.Mask, m, rewriter);
        }
        if (m.Mask is ScoreMask.Additive or ScoreMask.Filled && AttentionBuilder.PaddingMask(m.Mask, rewriter) is { } keyMask) inputs[5] = KeyWindowMask(keyMask, m, rewriter);
        var node = rewriter.Add("MultiHeadAttention", inputs, outputCount: 3, domain: AttentionBuilder.MicrosoftDomain, attributes: attributes,
            name: hint + "_MultiHeadAttention");
        rewriter.Replace(m.MergeReshape.Output(0), node.Output(0));
        rewriter.Replace(m.Key.PastConcat!.Output(0), node.Output(1));
        rewriter.Replace(m.Value.PastConcat!.Output(0), node.Output(2));
        // Shape readers of the concatenated keys must go now: they would read the present before it is computed.
        rewriter.RemoveIfUnused(m.AllNodes.Concat(SelfAttentionMatcher.ShapeReaders(m.AllNodes)));
    }

    /// <summary>
    /// The concatenated keys/values may be read by the attention, by the Shape nodes of the causal slice bounds and as
    /// a graph output; any other reader would be left reading the fused op's present before it is computed.
    /// </summary>
    private static string? PresentReaders(Node concat, Node attentionReader, SelfAttentionMatch m)
    {
        var pattern = new HashSet<Node>(m.AllNodes);
        foreach (var use in concat.Output(0).Uses)
        {
            if (ReferenceEquals(use.Node, attentionReader) || pattern.Contains(use.Node)) continue;
            if (use.Node.Is("Shape") && use.Node.Output(0).Uses.All(u => pattern.Contains(u.Node))) continue;
            return $"read by {use.Node.OpType} '{use.Node.Name}' outside the pattern";
        }
        return null;
    }

    /// <summary>
    /// attention_bias must be [B|1, H|1, S, T] with T = P + S: the padding mask [.., .., 1|S, 1|T] is expanded to
    /// [.., .., S, T], S read from the attention input and T as P (from the past keys) + S, which holds whatever
    /// the mask's own dims are.
    /// </summary>
    private static Value KeyWindowMask(Value mask, SelfAttentionMatch m, Rewriter rewriter)
    {
        var sequence = DimVector(rewriter, m.Input, 1, "onnxc_attn_seq");
        var past = DimVector(rewriter, m.Key.Past!, 2, "onnxc_attn_past");
        var total = rewriter.Add("Add", new[] { past, sequence }).Output(0);
        var ones = rewriter.Constant("onnxc_attn_ones2", Tensor.Vector(1L, 1L));
        var target = rewriter.Add("Concat", new[] { ones, sequence, total }, attributes: new[] { Attribute.Int("axis", 0) }).Output(0);
        return rewriter.Add("Expand", new[] { mask, target }).Output(0);
    }

    /// <summary>Dim <paramref name="axis"/> of <paramref name="value"/> as a 1-element int64 vector: Shape → Slice.</summary>
    private static Value DimVector(Rewriter rewriter, Value value, long axis, string hint)
    {
        var shape = rewriter.Add("Shape", new[] { value }).Output(0);
        var start = rewriter.Constant(hint + "_start", Tensor.Vector(axis));
        var end = rewriter.Constant(hint + "_end", Tensor.Vector(axis + 1));
        return rewriter.Add("Slice", new Value?[] { shape, start, end }).Output(0);
    }
}

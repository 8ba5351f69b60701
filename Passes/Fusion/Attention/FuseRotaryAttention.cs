using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// Self-attention whose q/k heads pass through com.microsoft RotaryEmbedding (Llama) → RotaryEmbedding on the flat
/// [B, S, hidden] projections plus com.microsoft MultiHeadAttention. Attention's do_rotary computes its own
/// frequencies instead of reading the model's caches, so the packed op cannot express the graph exactly.
/// </summary>
public sealed class FuseRotaryAttention(AttentionAnalysis analysis) : RewriteRule<SelfAttentionMatch>
{
    public override string Name => "rotary-attention";

    public override string RootOp => "Reshape";

    protected override Match<SelfAttentionMatch> Find(Node root)
    {
        if (SelfAttentionMatcher.SoftmaxReadsWhere(root) || SelfAttentionMatcher.ReadsPast(root)) return Match<SelfAttentionMatch>.None;
        var found = SelfAttentionMatcher.Find(root, analysis.Facts);
        // Only report on attention that is rotary; the plain rule reports the rest.
        return found.Value is { HasRotary: true } ? found : Match<SelfAttentionMatch>.None;
    }

    protected override string? Check(SelfAttentionMatch m, Rewriter rewriter)
    {
        if (m.Value.Rotary is not null) return "value heads are rotated";
        if (m.Query.Flat is null || m.Key.Flat is null || m.Value.Flat is null) return "rotary attention from packed QKV is not supported";
        if (m.Mask is ScoreMask.Causal) return "rotary attention with a Where causal mask is not supported";
        return SelfAttentionMatcher.Check(m, analysis.Facts);
    }

    protected override void Rewrite(SelfAttentionMatch m, Rewriter rewriter)
    {
        string hint = (m.MergeReshape.Name ?? "attention").Replace('/', '_').Trim('_');
        var query = Rotate(m.Query, m.Heads, rewriter, hint + "_q");
        var key = Rotate(m.Key, m.Heads, rewriter, hint + "_k");
        var inputs = new List<Value?> { query, key, m.Value.Flat };
        if (AttentionBuilder.PaddingMask(m.Mask, rewriter) is { } padding) inputs.AddRange(new[] { null, null, AttentionBuilder.FullMask(padding, m.Input, rewriter) });
        var attributes = new[] { Attribute.Int("num_heads", m.Heads), Attribute.Float("scale", (float)m.Scale) };
        var node = rewriter.Add("MultiHeadAttention", inputs, domain: AttentionBuilder.MicrosoftDomain, attributes: attributes, name: hint + "_MultiHeadAttention");
        rewriter.Replace(m.MergeReshape.Output(0), node.Output(0));
        rewriter.RemoveIfUnused(m.AllNodes);
    }

    /// <summary>The flat [B, S, hidden] tensor, rotated per head with the same caches and positions when the heads were.</summary>
    private static Value Rotate(HeadTensor heads, long numHeads, Rewriter rewriter, string hint)
    {
        if (heads.Rotary is not { } rotary) return heads.Flat!;
        var attributes = rotary.Attributes.Where(a => a.Name != "num_heads").Append(Attribute.Int("num_heads", numHeads));
        var inputs = rotary.Inputs.Skip(1).Prepend(heads.Flat);
        return rewriter.Add("RotaryEmbedding", inputs, domain: AttentionBuilder.MicrosoftDomain, attributes: attributes, name: hint + "_RotaryEmbedding").Output(0);
    }
}

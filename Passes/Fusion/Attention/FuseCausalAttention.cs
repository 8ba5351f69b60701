using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// GPT-2-style causal self-attention (tril buffer sliced to [:S, :S], Where(-inf)) → com.microsoft Attention with
/// unidirectional=1, which masks key positions after the query position exactly as the buffer does.
/// </summary>
public sealed class FuseCausalAttention(AttentionAnalysis analysis) : RewriteRule<SelfAttentionMatch>
{
    public override string Name => "causal-attention";

    public override string RootOp => "Reshape";

    protected override Match<SelfAttentionMatch> Find(Node root)
    {
        // Only attention whose Softmax reads a Where (and has no past: cached-attention's) is this rule's; the other
        // rules report the rest.
        if (!SelfAttentionMatcher.SoftmaxReadsWhere(root) || SelfAttentionMatcher.ReadsPast(root)) return Match<SelfAttentionMatch>.None;
        var found = SelfAttentionMatcher.Find(root, analysis.Facts);
        // A masked_fill padding mask (DistilBERT) is the plain attention rule's.
        return found.Value is { Mask: ScoreMask.Filled } ? Match<SelfAttentionMatch>.None : found;
    }

    protected override string? Check(SelfAttentionMatch match, Rewriter rewriter)
    {
        if (match.HasRotary) return "rotary q/k with a Where causal mask: MultiHeadAttention is only emitted for additive masks";
        // unidirectional=1 is only right for a proven causal mask.
        if (match.Mask is not ScoreMask.Causal) return "the Where before Softmax is not a causal mask";
        return SelfAttentionMatcher.Check(match, analysis.Facts);
    }

    protected override void Rewrite(SelfAttentionMatch match, Rewriter rewriter) => AttentionBuilder.Emit(match, rewriter, unidirectional: true);
}

using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// BERT- and ViT-style self-attention (no mask, an additive padding mask, or DistilBERT's masked_fill one) → com.microsoft Attention. Causal
/// attention is left to <see cref="FuseCausalAttention"/>, rotated q/k to <see cref="FuseRotaryAttention"/>.
/// </summary>
public sealed class FuseAttention(AttentionAnalysis analysis) : RewriteRule<SelfAttentionMatch>
{
    public override string Name => "attention";

    public override string RootOp => "Reshape";

    protected override Match<SelfAttentionMatch> Find(Node root)
    {
        if (SelfAttentionMatcher.ReadsPast(root)) return Match<SelfAttentionMatch>.None;
        var found = SelfAttentionMatcher.Find(root, analysis.Facts);
        // A Where before Softmax is causal-attention's, unless it is a masked_fill padding mask (DistilBERT).
        if (SelfAttentionMatcher.SoftmaxReadsWhere(root) && found.Value is not { Mask: ScoreMask.Filled }) return Match<SelfAttentionMatch>.None;
        // Rotated q/k are FuseRotaryAttention's.
        return found.Value is { HasRotary: true } ? Match<SelfAttentionMatch>.None : found;
    }

    protected override string? Check(SelfAttentionMatch match, Rewriter rewriter) => SelfAttentionMatcher.Check(match, analysis.Facts);

    protected override void Rewrite(SelfAttentionMatch match, Rewriter rewriter) => AttentionBuilder.Emit(match, rewriter, unidirectional: false);
}

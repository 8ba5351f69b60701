using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// BERT- and ViT-style self-attention (no mask, or an additive padding mask) → com.microsoft Attention. Causal
/// attention is left to <see cref="FuseCausalAttention"/>, rotated q/k to <see cref="FuseRotaryAttention"/>.
/// </summary>
public sealed class FuseAttention(AttentionAnalysis analysis) : RewriteRule<SelfAttentionMatch>
{
    public override string Name => "attention";

    public override string RootOp => "Reshape";

    protected override Match<SelfAttentionMatch> Find(Node root)
    {
        if (SelfAttentionMatcher.SoftmaxReadsWhere(root) || SelfAttentionMatcher.ReadsPast(root)) return Match<SelfAttentionMatch>.None;
        var found = SelfAttentionMatcher.Find(root, analysis.Facts);
        // Rotated q/k are FuseRotaryAttention's.
        return found.Value is { HasRotary: true } ? Match<SelfAttentionMatch>.None : found;
    }

    protected override string? Check(SelfAttentionMatch match, Rewriter rewriter) => SelfAttentionMatcher.Check(match, analysis.Facts);

    protected override void Rewrite(SelfAttentionMatch match, Rewriter rewriter) => AttentionBuilder.Emit(match, rewriter, unidirectional: false);
}

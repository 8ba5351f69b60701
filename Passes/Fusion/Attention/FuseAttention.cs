using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// BERT- and ViT-style self-attention (no mask, or an additive padding mask) → com.microsoft Attention. Causal
/// attention is left to <see cref="FuseCausalAttention"/>.
/// </summary>
public sealed class FuseAttention(AttentionAnalysis analysis) : RewriteRule<SelfAttentionMatch>
{
    public override string Name => "attention";

    public override string RootOp => "Reshape";

    protected override Match<SelfAttentionMatch> Find(Node root)
    {
        return SelfAttentionMatcher.SoftmaxReadsWhere(root) ? Match<SelfAttentionMatch>.None : SelfAttentionMatcher.Find(root, analysis.Facts);
    }

    protected override string? Check(SelfAttentionMatch match, Rewriter rewriter) => SelfAttentionMatcher.Check(match, analysis.Facts);

    protected override void Rewrite(SelfAttentionMatch match, Rewriter rewriter) => AttentionBuilder.Emit(match, rewriter, unidirectional: false);
}

using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// fuse-attention: exporter-style self-attention → com.microsoft Attention (BERT/ViT, and GPT-2 causal with
/// unidirectional=1), or MultiHeadAttention when q/k are rotated (Llama after
/// fuse-rotary-embedding), or MultiHeadAttention with past/present when keys and values are appended to a cache
/// (GPT-2 with past_key_values). Runs shape inference as a scratch analysis to prove the head split/merge Reshape targets.
/// </summary>
public sealed class AttentionFusionPass : IPass
{
    private readonly AttentionAnalysis _analysis = new();
    private readonly PatternRewritePass _rules;

    public AttentionFusionPass()
    {
        _rules = new PatternRewritePass(Name, Description, new FuseAttention(_analysis), new FuseCausalAttention(_analysis),
            new FuseRotaryAttention(_analysis), new FuseCachedAttention(_analysis));
    }

    public string Name => "fuse-attention";

    public string Description => "fuse self-attention subgraphs (BERT, ViT, GPT-2 causal with or without past; Llama with rotary) into com.microsoft Attention / MultiHeadAttention";

    /// <summary>The fused kernel reorders fp32 sums (packed GEMM, scale folded into the product).</summary>
    public PassTolerance Tolerance { get; } = new("fp32-attention", 1e-4, 1e-4);

    public PassResult Run(Model model, PassContext context) => _analysis.Run(model, () => _rules.Run(model, context));
}

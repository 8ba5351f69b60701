using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// fuse-rotary-embedding: Llama's decomposed rotate-half rotary embedding → com.microsoft RotaryEmbedding. Runs
/// shape inference as a scratch analysis (head layout, sequence dim of the positions Range).
/// </summary>
public sealed class RotaryEmbeddingFusionPass : IPass
{
    private readonly AttentionAnalysis _analysis = new();
    private readonly PatternRewritePass _rules;

    public RotaryEmbeddingFusionPass()
    {
        _rules = new PatternRewritePass(Name, Description, new FuseRotaryEmbedding(_analysis));
    }

    public string Name => "fuse-rotary-embedding";

    public string Description => "fuse rotate-half rotary embeddings (Llama) into com.microsoft RotaryEmbedding";

    /// <summary>The kernel computes x·cos ± x'·sin per element like the graph, but may contract it into FMAs.</summary>
    public PassTolerance Tolerance { get; } = new("fp32-rotary", 1e-5, 1e-5);

    public PassResult Run(Model model, PassContext context) => _analysis.Run(model, () => _rules.Run(model, context));
}

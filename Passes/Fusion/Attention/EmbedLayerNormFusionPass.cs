using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// fuse-embed-layer-norm: BERT's word + position + token-type embedding sum and its LayerNormalization →
/// com.microsoft EmbedLayerNormalization. Needs the LayerNormalization that fuse-layer-norm makes.
/// </summary>
public sealed class EmbedLayerNormFusionPass : IPass
{
    private readonly AttentionAnalysis _analysis = new();
    private readonly PatternRewritePass _rules;

    public EmbedLayerNormFusionPass()
    {
        _rules = new PatternRewritePass(Name, Description, new FuseEmbedLayerNormalization(_analysis));
    }

    public string Name => "fuse-embed-layer-norm";

    public string Description => "fuse BERT embedding Gathers + LayerNormalization into com.microsoft EmbedLayerNormalization";

    /// <summary>The kernel adds the three rows in another order and normalizes with its own float loop.</summary>
    public PassTolerance Tolerance { get; } = new("fp32-embed-layer-norm", 1e-4, 1e-4);

    public PassResult Run(Model model, PassContext context) => _analysis.Run(model, () => _rules.Run(model, context));
}

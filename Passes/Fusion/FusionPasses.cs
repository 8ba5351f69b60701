using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>fuse-layer-norm: decomposed LayerNorm and RMSNorm chains into LayerNormalization / SimplifiedLayerNormalization.</summary>
public sealed class FuseLayerNormPass() : PatternRewritePass(
    "fuse-layer-norm",
    "fuse decomposed LayerNorm into LayerNormalization and RMSNorm into SimplifiedLayerNormalization",
    new FuseLayerNormalization(withBeta: true),
    new FuseLayerNormalization(withBeta: false),
    new FuseSimplifiedLayerNormalization());

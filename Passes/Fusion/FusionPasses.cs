using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>fuse-layer-norm: decomposed LayerNorm and RMSNorm chains into LayerNormalization / SimplifiedLayerNormalization.</summary>
public sealed class FuseLayerNormPass() : PatternRewritePass(
    "fuse-layer-norm",
    "fuse decomposed LayerNorm into LayerNormalization and RMSNorm into SimplifiedLayerNormalization",
    new FuseLayerNormalization(withBeta: true),
    new FuseLayerNormalization(withBeta: false),
    new FuseSimplifiedLayerNormalization());

/// <summary>fuse-skip-layer-norm: residual Add (+ linear bias) into the norm after it (com.microsoft Skip*LayerNormalization).</summary>
public sealed class FuseSkipLayerNormPass() : ShapeAwareRewritePass(
    "fuse-skip-layer-norm",
    "fuse residual Add (and a linear bias) into SkipLayerNormalization / SkipSimplifiedLayerNormalization",
    new FuseSkipLayerNormalization(simplified: false),
    new FuseSkipLayerNormalization(simplified: true));

/// <summary>fuse-gelu: erf GELU into Gelu, tanh GELU into FastGelu, x·sigmoid(αx) into QuickGelu.</summary>
public sealed class FuseGeluPass() : PatternRewritePass(
    "fuse-gelu",
    "fuse decomposed GELU (erf) into Gelu, GPT-2 tanh GELU into FastGelu, x*sigmoid(a*x) into QuickGelu",
    new FuseGelu(),
    new FuseFastGelu(),
    new FuseQuickGelu());

/// <summary>fuse-bias-gelu: a constant bias Add before Gelu/FastGelu into BiasGelu / FastGelu's bias input.</summary>
public sealed class FuseBiasGeluPass() : PatternRewritePass(
    "fuse-bias-gelu",
    "fold the bias Add before Gelu into BiasGelu and before FastGelu into its bias input",
    new FuseBiasGelu("Gelu", FusionPatterns.MicrosoftDomain),
    new FuseBiasGelu("Gelu", ""),
    new FuseBiasGelu("FastGelu", FusionPatterns.MicrosoftDomain));

/// <summary>fuse-matmul-bias: MatMul + constant bias on 2-D activations into Gemm.</summary>
public sealed class FuseMatMulBiasPass() : ShapeAwareRewritePass(
    "fuse-matmul-bias",
    "fuse MatMul + Add(bias) with a 2-D activation and constant weight into Gemm",
    new FuseMatMulBias());

using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>
/// Dynamic int8 quantization of linear layers: weights become int8 (per column by default) at compile time, the
/// activation is quantized to uint8 at run time from its own min/max. Needs no calibration data. A fused
/// com.microsoft Attention (after -O2) has its packed Q/K/V projection quantized the same way (QAttention, or an int8
/// projection into MultiHeadAttention), so fusing attention no longer leaves a third of the GEMM work in fp32.
/// </summary>
public sealed class QuantizeInt8Dynamic(Int8Options? options = null) : IPass
{
    private readonly Int8Options _options = options ?? new Int8Options();

    public string Name => "quantize-int8-dynamic";

    public string Description => "int8 weights, run-time uint8 activations: MatMul with constant weight -> DynamicQuantizeMatMul (or MatMulInteger form)";

    /// <summary>Logit drift of int8 on random inputs; task metrics (accuracy, CE) are the real judge, see BENCHMARKS.md.</summary>
    public PassTolerance Tolerance => new("int8", 0.1, 0.1);

    public PassResult Run(Model model, PassContext context)
    {
        var cache = new QuantizedWeightCache(_options.Granularity, _options.ReduceRange);
        var linear = new Rule(_options, cache);
        var attention = new AttentionRule(_options, cache);
        var pass = new PatternRewritePass(Name, Description, linear, attention);
        var result = pass.Run(model, context);
        int removed = WeightCleanup.RemoveUnread(cache.ReplacedWeights.ToList());
        return PassResult.Of(("quantized-linear", result.Counts.GetValueOrDefault(linear.Name)), ("quantized-attention", result.Counts.GetValueOrDefault(attention.Name)),
            ("removed-float-weights", removed));
    }

    private sealed class Rule(Int8Options options, QuantizedWeightCache cache) : RewriteRule<LinearLayer>
    {
        public override string Name => options.Form == DynamicInt8Form.Contrib ? "dynamic-quantize-matmul" : "matmul-integer";

        public override string RootOp => "MatMul";

        protected override Match<LinearLayer> Find(Node root) => LinearLayer.Find(root);

        protected override string? Check(LinearLayer layer, Rewriter rewriter) =>
            Int8Eligibility.Check(layer, options, rewriter, needsOpset: options.Form == DynamicInt8Form.Standard ? 11 : 0);

        protected override void Rewrite(LinearLayer layer, Rewriter rewriter)
        {
            var weight = cache.Get(layer, rewriter);
            if (options.Form == DynamicInt8Form.Contrib) Int8LinearEmitter.EmitDynamicContrib(layer, weight, rewriter);
            else Int8LinearEmitter.EmitDynamicStandard(layer, weight, rewriter);
        }
    }

    /// <summary>Fused Attention with a constant packed weight → QAttention or int8 projection + MultiHeadAttention (contrib form only).</summary>
    private sealed class AttentionRule(Int8Options options, QuantizedWeightCache cache) : RewriteRule<FusedAttention>
    {
        public override string Name => "quantized-attention";

        public override string RootOp => "Attention";

        public override string RootDomain => FusedAttention.Domain;

        protected override Match<FusedAttention> Find(Node root) => FusedAttention.Find(root);

        protected override string? Check(FusedAttention attention, Rewriter rewriter)
        {
            if (options.Form != DynamicInt8Form.Contrib) return "the standard-ONNX form has no quantized attention (the fused Attention stays fp32)";
            if (options.IncludeLayer is { } include && !include(attention.Id)) return "layer not selected";
            if (attention.Parameters < options.MinimumParameters) return $"{attention.Parameters} weights, below the minimum {options.MinimumParameters}";
            return QuantizedAttentionEmitter.Check(attention, rewriter.Opset);
        }

        protected override void Rewrite(FusedAttention attention, Rewriter rewriter) =>
            QuantizedAttentionEmitter.Emit(attention, cache.Get(attention.Weight, attention.WeightTensor, rewriter), rewriter);
    }
}

/// <summary>The checks every int8 rule makes before rewriting a layer, with the reason <c>--explain</c> prints.</summary>
internal static class Int8Eligibility
{
    public static string? Check(LinearLayer layer, Int8Options options, Rewriter rewriter, long needsOpset)
    {
        if (options.IncludeLayer is { } include && !include(layer.Id)) return "layer not selected";
        if (layer.Parameters < options.MinimumParameters) return $"{layer.Parameters} weights, below the minimum {options.MinimumParameters}";
        if (needsOpset > 0 && rewriter.Opset < needsOpset) return $"needs opset {needsOpset}, model has {rewriter.Opset}";
        return null;
    }
}

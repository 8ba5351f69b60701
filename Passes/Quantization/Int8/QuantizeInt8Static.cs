using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>
/// Static int8 quantization in QDQ form: each linear layer's activation gets QuantizeLinear/DequantizeLinear with a
/// calibrated range, its weight becomes int8 behind DequantizeLinear (per column: axis 1). Needs calibration ranges,
/// keyed by activation value name, so it is not in the default pass list.
/// </summary>
public sealed class QuantizeInt8Static(IReadOnlyDictionary<string, ActivationRange> ranges, Int8Options? options = null) : IPass
{
    private readonly Int8Options _options = options ?? new Int8Options();

    public string Name => "quantize-int8-static";

    public string Description => "int8 QDQ with calibrated activation ranges: Q/DQ on MatMul inputs, per-channel int8 weights";

    public PassTolerance Tolerance => new("int8", 0.1, 0.1);

    /// <summary>Activation names the pass would need ranges for (the inputs of every linear layer it may quantize).</summary>
    public static IReadOnlyList<string> ActivationsToCalibrate(Model model, Int8Options? options = null) =>
        LinearLayer.FindAll(model)
            .Where(l => options?.IncludeLayer is not { } include || include(l.Id))
            .Select(l => l.Activation.Name).Distinct().ToList();

    public PassResult Run(Model model, PassContext context)
    {
        var cache = new QuantizedWeightCache(_options.Granularity, _options.ReduceRange);
        var pass = new PatternRewritePass(Name, Description, new Rule(_options, cache, ranges));
        var result = pass.Run(model, context);
        int removed = WeightCleanup.RemoveUnread(cache.ReplacedWeights.ToList());
        return PassResult.Of(("quantized-linear", result.Counts.Values.Sum()), ("removed-float-weights", removed));
    }

    private sealed class Rule(Int8Options options, QuantizedWeightCache cache, IReadOnlyDictionary<string, ActivationRange> ranges) : RewriteRule<LinearLayer>
    {
        private readonly Dictionary<Value, Value> _dequantized = new(ReferenceEqualityComparer.Instance);

        public override string Name => "qdq-matmul";

        public override string RootOp => "MatMul";

        protected override Match<LinearLayer> Find(Node root) => LinearLayer.Find(root);

        protected override string? Check(LinearLayer layer, Rewriter rewriter)
        {
            // Per-axis DequantizeLinear arrived in opset 13; QuantizeLinear itself in 10.
            long opset = options.Granularity == WeightGranularity.PerChannel ? 13 : 10;
            if (Int8Eligibility.Check(layer, options, rewriter, opset) is { } reason) return reason;
            return ranges.ContainsKey(layer.Activation.Name) ? null : $"no calibrated range for activation '{layer.Activation.Name}'";
        }

        protected override void Rewrite(LinearLayer layer, Rewriter rewriter)
        {
            if (!_dequantized.TryGetValue(layer.Activation, out var activation) || activation.Graph != rewriter.Graph)
            {
                var parameters = ranges[layer.Activation.Name].ToUInt8();
                activation = Int8LinearEmitter.EmitActivationQdq(layer.Activation, layer.Id, parameters, rewriter);
                _dequantized[layer.Activation] = activation;
            }
            Int8LinearEmitter.EmitStaticQdq(layer, cache.Get(layer, rewriter), activation, cache.Granularity, rewriter);
        }
    }
}

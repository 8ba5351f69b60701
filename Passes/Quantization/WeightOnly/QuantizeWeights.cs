using System.Diagnostics;
using System.Text.RegularExpressions;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes.Calibration;

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>
/// Rewrites MatMul and Gemm nodes whose weight is a constant float matrix into com.microsoft.MatMulNBits with
/// block-quantized int4/int8 weights (RTN or GPTQ). Lossy and option-driven, so it is not in the default pass list.
/// </summary>
public sealed class QuantizeWeights(QuantizeWeightsOptions options) : IPass
{
    public const string ContribDomain = "com.microsoft";

    /// <summary>Hessians at least this large (K ≥ 1024) are followed by a collection once their layers are done.</summary>
    private const long LargeWorkingSetBytes = 8L << 20;

    public string Name => "quantize-weights";

    public string Description => "quantize constant MatMul/Gemm weights to int4/int8 blocks (com.microsoft.MatMulNBits)";

    public PassTolerance Tolerance => new("weight-only int" + options.Bits, 0.1, 0.1);

    public QuantizeWeightsOptions Options => options;

    /// <summary>What the last run did, layer by layer.</summary>
    public WeightOnlyReport Report { get; private set; } = new();

    public PassResult Run(Model model, PassContext context)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        Report = new WeightOnlyReport();
        var excluded = options.Exclude.Select(GlobToRegex).ToArray();
        // -O2's packed Attention hides the Q/K/V weights in an operator input; unpacking them first lets this pass
        // quantize them like any other projection (unless the user excluded the attention node by name).
        var split = new SplitAttentionProjections(node => !excluded.Any(r => r.IsMatch(node.Name ?? ""))).Run(model, context);
        var candidates = new List<WeightLayer>();
        foreach (var node in model.Graph.Nodes.ToList())
        {
            if (!node.Is("MatMul") && !node.Is("Gemm")) continue;
            var layer = WeightLayer.Match(node, out var reason);
            var weightName = node.Input(1)?.Name ?? "";
            if (layer is null)
            {
                context.Record(Name, node, false, reason!);
                Report.Layers.Add(new LayerReport(node.Name ?? "", weightName, 0, 0, "", 0, 0, null, reason));
                continue;
            }
            if (excluded.Any(r => r.IsMatch(node.Name ?? "") || r.IsMatch(weightName)))
            {
                Report.Layers.Add(new LayerReport(node.Name ?? "", weightName, layer.K, layer.N, "", 0, 0, null, "excluded by pattern"));
                continue;
            }
            if ((long)layer.K * layer.N < options.MinimumWeights) continue;
            candidates.Add(layer);
        }
        if (candidates.Count == 0) return split;

        Dictionary<Value, HessianStatistic>? hessians = null;
        if (options.Method == WeightQuantMethod.Gptq)
        {
            var service = options.Calibration?.Invoke(model) ?? DefaultCalibration(model);
            Report.CalibrationSource = service.Data.Source;
            Report.CalibrationGenerated = service.Data.IsGenerated;
            var before = service.Times;
            hessians = new Dictionary<Value, HessianStatistic>(service.CollectHessians(model, candidates.Select(c => (c.Input, c.K))));
            if (RankDeficiencyWarning(hessians.Values.Select(h => (h.Rows, h.K))) is { } warning) Report.Warnings.Add(warning);
            var after = service.Times;
            Report.Phases.Calibration = new CaptureTimes(after.Setup - before.Setup, after.Inference - before.Inference, after.Statistics - before.Statistics);
        }

        int rewritten = 0;
        // Layers reading the same activation (Q, K, V) share its Hessian and one factorization; each Hessian is
        // dropped as soon as its last layer is done, so at most one K×K working set is alive beyond the statistics.
        foreach (var group in candidates.GroupBy(c => c.Input))
        {
            double[]? hessian = null;
            GptqHessian? factor = null;
            if (hessians is not null)
            {
                var phase = Stopwatch.StartNew();
                hessian = hessians[group.Key].Mean();
                hessians.Remove(group.Key);
                factor = GptqHessian.Prepare(hessian, group.First().K, options.Gptq);
                Report.Phases.Factorization += phase.Elapsed;
            }
            foreach (var layer in group)
            {
                var phase = Stopwatch.StartNew();
                var wt = layer.TransposedWeights();
                var quantized = factor is null
                    ? BlockQuantizer.Quantize(wt, layer.N, layer.K, options.BlockConfig)
                    : GptqQuantizer.Quantize(wt, layer.N, layer.K, factor, options.BlockConfig, options.Gptq);
                Report.Phases.Quantization += phase.Elapsed;
                phase.Restart();
                double error = LayerError.Relative(wt, quantized.Dequantize(), layer.N, layer.K, hessian);
                Report.Phases.Error += phase.Elapsed;
                phase.Restart();
                var emitted = MatMulNBitsEmitter.Replace(model, layer, quantized, options.AccuracyLevel);
                Report.Phases.Emission += phase.Elapsed;
                context.Record(Name, layer.Node, true, $"{options.Method.ToString().ToLowerInvariant()} int{options.Bits}, relative error {error:G3}");
                Report.Layers.Add(new LayerReport(layer.Node.Name ?? "", layer.WeightName, layer.K, layer.N,
                    options.Method.ToString().ToLowerInvariant(), layer.WeightBytes, emitted, error, null));
                rewritten++;
            }
            if (hessian is not null && hessian.LongLength * sizeof(double) >= LargeWorkingSetBytes)
            {
                // The group's K×K arrays (mean, damped copy, factor, inverse) are now large-object-heap garbage, which
                // the GC otherwise lets pile up for many groups: BERT-base peaked at 5.4 GiB RSS without this and
                // 3.0 GiB with a 3 GiB heap limit at the same speed. One blocking collection per large group is cheap
                // next to its O(K³) factorization.
                hessian = null;
                factor = null;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
            }
        }
        Report.Elapsed = clock.Elapsed;
        return PassResult.Of(("quantized-matmul", rewritten), ("split-attention", split.Counts.GetValueOrDefault("split-attention")));
    }

    /// <summary>
    /// Fewer calibration rows (tokens) than inputs leave XᵀX rank-deficient: GPTQ then fits the calibration subspace
    /// and can do worse than round-to-nearest on other data (llama-base with 16 generated samples × 16 tokens: cosine
    /// 0.927 vs RTN's 0.960; with 256 samples 0.969). Returns the one warning for the run, or null.
    /// </summary>
    private static string? RankDeficiencyWarning(IEnumerable<(long Rows, int K)> hessians)
    {
        var deficient = hessians.Where(h => h.Rows < h.K).ToList();
        if (deficient.Count == 0) return null;
        var widest = deficient.MaxBy(h => h.K);
        return $"GPTQ calibration has {widest.Rows} rows (tokens) but {deficient.Count} layer input(s) are wider (up to K = {widest.K}): "
            + "their Hessians are rank-deficient, so GPTQ may fit the calibration data at the expense of other inputs; give more --calibration-samples (rows ≥ K)";
    }

    /// <summary>Generated inputs (16 samples, symbolic dims 1 and 16): usable, but the report marks them.</summary>
    private static CalibrationService DefaultCalibration(Model model) => new(CalibrationData.GenerateFor(model, 16));

    private static Regex GlobToRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.CultureInvariant);
}

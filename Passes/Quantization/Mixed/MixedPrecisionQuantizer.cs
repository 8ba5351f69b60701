using Onnxc.Ir;
using Onnxc.Passes.Quantization.Int8;

namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>Settings of a mixed-precision run.</summary>
public sealed record MixedPrecisionOptions(MixedPrecisionBudget Budget)
{
    public Int8Options Int8 { get; init; } = new();

    /// <summary>The int4 weight quantizer (MatMulNBits); null restricts choices to fp32 and int8.</summary>
    public IWeightQuantizer? Int4 { get; init; }

    /// <summary>Where the calibration samples came from, for the report.</summary>
    public string CalibrationSource { get; init; } = "";
}

/// <summary>
/// MPTQ-style mixed precision: measure each linear layer's sensitivity, allocate fp32/int8/int4 greedily under the
/// budget, check the chosen mix by measuring it (an accuracy budget backs off the last steps until it holds), then
/// emit int4 (MatMulNBits) and int8 (DynamicQuantizeMatMul) layers.
/// </summary>
public sealed class MixedPrecisionQuantizer(MixedPrecisionOptions options, IModelEvaluator evaluator)
{
    /// <summary>The report of the last <see cref="Run"/>.</summary>
    public MixedPrecisionReport? Report { get; private set; }

    public PassResult Run(Model model, PassContext context)
    {
        var notes = new List<string>();
        // With int4 on the menu, a fused Attention's packed Q/K/V weight becomes three MatMuls (+ MultiHeadAttention):
        // MatMulNBits cannot stand inside Attention, and each projection then gets its own precision.
        if (options.Int4 is not null && new SplitAttentionProjections().Run(model, context).Counts.GetValueOrDefault("split-attention") is > 0 and var split)
        {
            notes.Add($"{split} fused attention(s) unpacked into Q/K/V MatMuls + MultiHeadAttention so their projections can be int4");
        }
        var layers = QuantizableLayers(model);
        var precisions = new List<Precision> { Precision.Fp32, Precision.Int8 };
        if (options.Int4 is not null)
        {
            precisions.Add(Precision.Int4);
            notes.Add(options.Int4.ToString() ?? "int4");
        }
        else notes.Add("int4 unavailable (no MatMulNBits quantizer given): choices are fp32 and int8 only");

        foreach (var layer in layers)
        {
            if (options.Int4?.Unsupported(layer) is { } why) notes.Add($"'{layer.Id}' cannot be int4: {why}");
        }
        var reference = evaluator.Run(model);
        var sensitivities = SensitivityAnalyzer.Measure(model, layers, evaluator, precisions, options.Int8, options.Int4, reference);
        var candidates = layers.Select(l => Candidate(l, sensitivities, precisions)).ToList();
        long fixedBytes = model.Graph.Initializers.Where(v => v.Initializer is not null).Sum(v => v.Initializer!.ByteLength)
            - layers.Select(l => l.Weight).Distinct().Sum(w => w.Initializer!.ByteLength);
        long fp32Bytes = fixedBytes + candidates.Sum(c => c.Bytes[Precision.Fp32]);

        var allocation = BitAllocator.Allocate(candidates, options.Budget, fixedBytes);
        var choice = allocation.Layers.ToDictionary(c => c.Id, c => c.Precision);
        double measured = MeasureMix(model, layers, choice, reference);
        if (options.Budget is MixedPrecisionBudget.Accuracy accuracy)
        {
            // The additive loss model can be optimistic; raise the most damaging quantized layer back one level until the measurement agrees.
            while (measured < accuracy.MinCosine && choice.Values.Any(p => p != Precision.Fp32))
            {
                var worst = candidates.Where(c => choice[c.Id] != Precision.Fp32).OrderByDescending(c => c.LossAt(choice[c.Id])).First();
                var raised = worst.Ladder[worst.Ladder.ToList().IndexOf(choice[worst.Id]) - 1];
                notes.Add($"measured cosine {measured:0.#####} < {accuracy.MinCosine}: raised '{worst.Id}' {choice[worst.Id].Label()} -> {raised.Label()}");
                choice[worst.Id] = raised;
                measured = MeasureMix(model, layers, choice, reference);
            }
        }

        int int4 = 0, int8 = 0;
        foreach (var layer in layers.Where(l => choice[l.Id] == Precision.Int4))
        {
            options.Int4!.Emit(model, layer);
            int4++;
        }
        var int8Ids = choice.Where(p => p.Value == Precision.Int8).Select(p => p.Key).ToHashSet();
        if (int8Ids.Count > 0)
        {
            var pass = new QuantizeInt8Dynamic(options.Int8 with { IncludeLayer = int8Ids.Contains });
            var counts = pass.Run(model, context).Counts;
            int8 = counts.GetValueOrDefault("quantized-linear") + counts.GetValueOrDefault("quantized-attention");
        }

        var final = allocation.Layers.Select(c => c.Precision == choice[c.Id] ? c : c with
        {
            Precision = choice[c.Id],
            Bytes = candidates.First(x => x.Id == c.Id).Bytes[choice[c.Id]],
            Reason = "raised after measuring the mix: " + c.Reason,
        }).ToList();
        long bytes = fixedBytes + final.Sum(c => c.Bytes);
        bool met = options.Budget switch
        {
            MixedPrecisionBudget.Size s => bytes <= s.Bytes,
            MixedPrecisionBudget.Accuracy a => measured >= a.MinCosine,
            _ => false,
        };
        Report = new MixedPrecisionReport(options.Budget, options.CalibrationSource, reference.Count, final, fp32Bytes, bytes,
            1 - allocation.PredictedLoss, measured, met, notes);
        return PassResult.Of(("int8-layers", int8), ("int4-layers", int4));
    }

    /// <summary>Linear layers and, after -O2, fused attentions' packed projections (int8 only), with initializer weights.</summary>
    private static List<LinearLayer> QuantizableLayers(Model model)
    {
        var attentions = model.Graph.Nodes.Select(n => FusedAttention.Find(n).Value).OfType<FusedAttention>()
            .Where(a => QuantizedAttentionEmitter.Check(a, model.OpsetVersion("") ?? 1) is null).Select(LinearLayer.FromAttention);
        return LinearLayer.FindAll(model).Concat(attentions).Where(l => l.Weight.IsInitializer).ToList();
    }

    private double MeasureMix(Model model, IReadOnlyList<LinearLayer> layers, IReadOnlyDictionary<string, Precision> choice, IReadOnlyList<float[]> reference)
    {
        var applied = new Stack<SimulatedQuantization>();
        try
        {
            foreach (var layer in layers) applied.Push(SimulatedQuantization.Apply(model, layer, choice[layer.Id], options.Int8, options.Int4));
            return OutputSimilarity.MeanCosine(reference, evaluator.Run(model));
        }
        finally
        {
            // Undo in reverse so shared weights return to their original tensors.
            while (applied.Count > 0) applied.Pop().Dispose();
        }
    }

    private LayerCandidate Candidate(LinearLayer layer, IReadOnlyList<LayerSensitivity> sensitivities, IReadOnlyList<Precision> precisions)
    {
        var bytes = new Dictionary<Precision, long> { [Precision.Fp32] = layer.WeightTensor.ByteLength, [Precision.Int8] = Int8Bytes(layer) };
        if (options.Int4 is { } int4 && int4.Unsupported(layer) is null) bytes[Precision.Int4] = int4.Bytes(layer);
        var loss = sensitivities.Where(s => s.Id == layer.Id).ToDictionary(s => s.Precision, s => s.Loss);
        return new LayerCandidate(layer.Id, layer.Parameters, bytes, loss);
    }

    /// <summary>int8 values plus a float scale and an int8 zero point per column (or one of each).</summary>
    private long Int8Bytes(LinearLayer layer) =>
        layer.Parameters + (options.Int8.Granularity == WeightGranularity.PerChannel ? layer.Columns * 5L : 5L);
}

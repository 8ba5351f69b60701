using System.Diagnostics;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Calibration;
using Onnxc.Passes.Quantization.Int8;
using Onnxc.Passes.Quantization.Mixed;

namespace Onnxc.Compiler.Commands.Optimize;

/// <summary>
/// Mixed precision as one pass for the CLI: the budget is resolved against the model's fp32 weight bytes when the
/// pass runs (a ratio needs them), and the sensitivity search runs on the calibration samples.
/// </summary>
internal sealed class MixedPrecisionPass(Func<Model, CalibrationService> calibration, string? sizeBudget, string? accuracyBudget, Int8Options int8, IWeightQuantizer? int4) : IPass
{
    public string Name => "quantize-mixed";

    public string Description => "per-layer fp32/int8/int4 choice by measured sensitivity under a size or accuracy budget";

    public PassTolerance Tolerance => new("int8", 0.1, 0.1);

    public MixedPrecisionReport? Report { get; private set; }

    public CalibrationData? Calibration { get; private set; }

    public TimeSpan Elapsed { get; private set; }

    public PassResult Run(Model model, PassContext context)
    {
        var clock = Stopwatch.StartNew();
        long fp32 = model.Graph.Initializers.Sum(v => v.Initializer?.ByteLength ?? 0);
        var budget = MixedPrecisionBudget.Parse(sizeBudget, accuracyBudget, fp32);
        var service = calibration(model);
        Calibration = service.Data;
        string source = service.Data.IsGenerated ? $"{service.Data.Source} (GENERATED: sensitivities describe noise)" : service.Data.Source;
        var quantizer = new MixedPrecisionQuantizer(new MixedPrecisionOptions(budget) { Int8 = int8, Int4 = int4, CalibrationSource = source }, new CalibrationEvaluator(service));
        var result = quantizer.Run(model, context);
        Report = quantizer.Report;
        Elapsed = clock.Elapsed;
        return result;
    }
}

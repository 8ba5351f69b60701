using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Calibration;
using Onnxc.Passes.Quantization.Mixed;
using Onnxc.Passes.Quantization.WeightOnly;
using Onnxc.Tests.Quantization.Int8;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Quantization.Mixed;

/// <summary>
/// Mixed precision end to end on vit-mnist, fp32/int8 and fp32/int8/int4 (RTN, block 32): sensitivity on the first
/// 200 test images, choices under a cosine and a size budget, accuracy on the other 1,800.
/// </summary>
public class VitMnistMixedPrecisionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(null, "0.99995", false)]
    [InlineData("0.5", null, false)]
    [InlineData(null, "0.9999", true)]
    [InlineData("0.25", null, true)]
    public void Budget_is_met_and_every_layer_has_a_reason(string? size, string? accuracy, bool int4)
    {
        var path = SharedData.RequireOrSkip("models/vit-mnist/model.onnx");
        var folder = Path.GetDirectoryName(path)!;
        var x = NpyFormat.Read(Path.Combine(folder, "x_test.npy"));
        var y = NpyFormat.Read(Path.Combine(folder, "y_test.npy")).ToArray<long>();
        using var model = TaskMetrics.Load(path);
        double before = TaskMetrics.Accuracy(model, x, y, 200, 1800);
        long fp32 = model.Graph.Initializers.Sum(v => v.Initializer?.ByteLength ?? 0);
        var budget = MixedPrecisionBudget.Parse(size, accuracy, fp32);
        var evaluator = new CalibrationEvaluator(new CalibrationService(TaskMetrics.Batches("pixel_values", x, 0, 200, 50)));
        var quantizer = new MixedPrecisionQuantizer(new MixedPrecisionOptions(budget)
        {
            CalibrationSource = "x_test rows 0..199",
            Int4 = int4 ? new BlockWeightQuantizer(new BlockQuantConfig(4, 32, Symmetric: true)) : null,
        }, evaluator);

        var result = quantizer.Run(model, new PassContext());
        var report = quantizer.Report!;
        double after = TaskMetrics.Accuracy(model, x, y, 200, 1800);

        MetricsLog.Write(output, $"{budget}: {report.Histogram}; size {report.Fp32Bytes:N0} -> {report.Bytes:N0} B ({report.SizeRatio:P1}); cosine predicted {report.PredictedCosine:0.######} measured {report.MeasuredCosine:0.######}; accuracy {before:P2} -> {after:P2}");
        foreach (var layer in report.Layers) MetricsLog.Write(output, $"  {layer.Id}: {layer.Precision.Label()} (int8 loss {layer.LossInt8:0.##e0}, int4 loss {layer.LossInt4:0.##e0}) {layer.Reason}");
        Assert.True(report.BudgetMet, string.Join("; ", report.Notes));
        Assert.Equal(16, report.Layers.Count);
        Assert.Equal(report.Layers.Count(l => l.Precision == Precision.Int8), result.Counts.GetValueOrDefault("int8-layers"));
        Assert.Equal(report.Layers.Count(l => l.Precision == Precision.Int4), result.Counts.GetValueOrDefault("int4-layers"));
        if (int4 && size is not null) Assert.Contains(report.Layers, l => l.Precision == Precision.Int4);
        Assert.All(report.Layers, l => Assert.False(string.IsNullOrWhiteSpace(l.Reason)));
        if (budget is MixedPrecisionBudget.Size s) Assert.True(report.Bytes <= s.Bytes);
        Assert.True(before - after <= 0.01, $"accuracy fell {100 * (before - after):0.00} points");
    }
}

using Onnxc.Passes.Calibration;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Quantization.Int8;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Quantization.Int8;

/// <summary>
/// int8 on the trained models, judged by their task metric (TRAINED.md). Static calibration uses the first rows of
/// the test set and the metric is taken on the other rows only (vit-mnist: calibrate 0..199, evaluate 200..1999).
/// </summary>
public class RealModelInt8Tests(ITestOutputHelper output)
{
    private const int CalibrationRows = 200;

    [Fact]
    public void Vit_mnist_dynamic_int8_keeps_accuracy()
    {
        var (x, y, path) = VitData();
        using var model = TaskMetrics.Load(path);
        double before = TaskMetrics.Accuracy(model, x, y, CalibrationRows, 2000 - CalibrationRows);
        var result = new QuantizeInt8Dynamic().Run(model, new PassContext());
        double after = TaskMetrics.Accuracy(model, x, y, CalibrationRows, 2000 - CalibrationRows);
        MetricsLog.Write(output, $"vit-mnist int8 dynamic ({result}): accuracy {before:P2} -> {after:P2} on rows 200..1999");
        Assert.Equal(16, result.Counts["quantized-linear"]); // 4 blocks × (qkv, proj, fc1, fc2); the head is a Gemm
        Assert.True(before - after <= 0.01, $"accuracy fell {100 * (before - after):0.00} points");
    }

    [Theory]
    [InlineData(CalibrationMethod.MinMax)]
    [InlineData(CalibrationMethod.Percentile)]
    [InlineData(CalibrationMethod.Entropy)]
    public void Vit_mnist_static_int8_keeps_accuracy(CalibrationMethod method)
    {
        var (x, y, path) = VitData();
        using var model = TaskMetrics.Load(path);
        double before = TaskMetrics.Accuracy(model, x, y, CalibrationRows, 2000 - CalibrationRows);
        var calibration = new CalibrationService(TaskMetrics.Batches("pixel_values", x, 0, CalibrationRows, 50));
        var ranges = ActivationRanges.Collect(model, calibration, method);
        var result = new QuantizeInt8Static(ranges).Run(model, new PassContext());
        double after = TaskMetrics.Accuracy(model, x, y, CalibrationRows, 2000 - CalibrationRows);
        MetricsLog.Write(output, $"vit-mnist int8 static {method} ({result}): accuracy {before:P2} -> {after:P2} on rows 200..1999 (calibrated on rows 0..199)");
        Assert.Equal(16, result.Counts["quantized-linear"]);
        Assert.True(before - after <= 0.015, $"accuracy fell {100 * (before - after):0.00} points");
    }

    [Theory]
    [InlineData("dynamic")]
    [InlineData("static")]
    public void Chargpt_int8_keeps_cross_entropy(string mode)
    {
        var path = SharedData.RequireOrSkip("models/chargpt-fortunes/model.onnx");
        var folder = Path.GetDirectoryName(path)!;
        var x = NpyFormat.Read(Path.Combine(folder, "x_test.npy"));
        var y = NpyFormat.Read(Path.Combine(folder, "y_test.npy")).ToArray<long>();
        const int calibrationRows = 32, rows = 256 - calibrationRows;
        using var model = TaskMetrics.Load(path);
        double before = TaskMetrics.CrossEntropy(model, x, y, calibrationRows, rows);
        IPass pass = new QuantizeInt8Dynamic();
        if (mode == "static")
        {
            var calibration = new CalibrationService(TaskMetrics.Batches("input_ids", x, 0, calibrationRows, 16));
            pass = new QuantizeInt8Static(ActivationRanges.Collect(model, calibration, CalibrationMethod.Percentile));
        }
        var result = pass.Run(model, new PassContext());
        double after = TaskMetrics.CrossEntropy(model, x, y, calibrationRows, rows);
        MetricsLog.Write(output, $"chargpt int8 {mode} ({result}): CE {before:0.0000} -> {after:0.0000} nats/char on windows 32..255");
        Assert.True(after - before <= 0.05, $"cross-entropy rose {after - before:0.0000} nats/char");
    }

    private static (Tensor X, long[] Y, string Path) VitData()
    {
        var path = SharedData.RequireOrSkip("models/vit-mnist/model.onnx");
        var folder = Path.GetDirectoryName(path)!;
        return (NpyFormat.Read(Path.Combine(folder, "x_test.npy")), NpyFormat.Read(Path.Combine(folder, "y_test.npy")).ToArray<long>(), path);
    }
}

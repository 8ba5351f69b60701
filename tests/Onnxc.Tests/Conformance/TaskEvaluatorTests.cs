using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Conformance;

/// <summary>The evaluator reproduces the published metrics of the trained models (TRAINED.md) exactly.</summary>
public class TaskEvaluatorTests
{
    [Fact]
    public void Vit_mnist_accuracy_is_1954_of_2000()
    {
        var folder = SharedData.RequireOrSkip("models/vit-mnist");
        var result = TaskEvaluator.Evaluate(Path.Combine(folder, "model.onnx"), NpyFormat.Read(Path.Combine(folder, "x_test.npy")),
            NpyFormat.Read(Path.Combine(folder, "y_test.npy")), TaskMetric.Accuracy, batchSize: 250);
        Assert.Equal(2000, result.Positions);
        Assert.Equal(1954.0 / 2000, result.Value, 12);
    }

    [Fact]
    public void Chargpt_cross_entropy_is_1_8109_nats()
    {
        var folder = SharedData.RequireOrSkip("models/chargpt-fortunes");
        var result = TaskEvaluator.Evaluate(Path.Combine(folder, "model.onnx"), NpyFormat.Read(Path.Combine(folder, "x_test.npy")),
            NpyFormat.Read(Path.Combine(folder, "y_test.npy")), TaskMetric.CrossEntropy);
        Assert.Equal(256 * 128, result.Positions);
        Assert.Equal(1.8109, result.Value, 4);
    }

    [Fact]
    public void Rows_that_do_not_line_up_are_a_diagnostic()
    {
        var folder = SharedData.RequireOrSkip("models/vit-mnist");
        var x = NpyFormat.Read(Path.Combine(folder, "x_test.npy"));
        var labels = Tensor.FromArray(new long[] { 1, 2, 3 }, 3);
        var error = Assert.Throws<OnnxcException>(() => TaskEvaluator.Evaluate(Path.Combine(folder, "model.onnx"), x, labels, TaskMetric.Accuracy));
        Assert.Equal(DiagnosticIds.InputData, error.Diagnostic.Id);
    }
}

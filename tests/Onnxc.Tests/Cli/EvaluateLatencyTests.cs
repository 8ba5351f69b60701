using System.Text.Json;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Cli;

/// <summary><c>onnxc evaluate --repeat N</c>: the metric as before plus the median latency of one batch, for the model and its baseline.</summary>
public sealed class EvaluateLatencyTests
{
    [Fact]
    public void Repeat_reports_batch_latency_for_model_and_baseline()
    {
        var model = SharedData.RequireOrSkip("models/vit-mnist/model.onnx");
        var folder = Path.GetDirectoryName(model)!;

        var result = OnnxcProcess.Run("evaluate", model, "--inputs", Path.Combine(folder, "x_test.npy"), "--labels", Path.Combine(folder, "y_test.npy"),
            "--metric", "accuracy", "--baseline", model, "--skip", "128", "--rows", "16", "--batch", "16", "--repeat", "3", "--json");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(16, json.RootElement.GetProperty("positions").GetInt64());
        Assert.True(json.RootElement.GetProperty("latencyMs").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("baselineLatencyMs").GetDouble() > 0);
    }

    [Fact]
    public void Repeat_below_one_is_a_usage_error()
    {
        var model = SharedData.RequireOrSkip("models/vit-mnist/model.onnx");
        var folder = Path.GetDirectoryName(model)!;

        var result = OnnxcProcess.Run("evaluate", model, "--inputs", Path.Combine(folder, "x_test.npy"), "--labels", Path.Combine(folder, "y_test.npy"),
            "--metric", "accuracy", "--rows", "4", "--repeat", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--repeat must be at least 1", result.Stderr);
    }
}

using System.Text.Json;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Cli;

/// <summary>The README's workflow through the real CLI: sample → inspect → optimize → verify, with JSON outputs.</summary>
public sealed class CliWorkflowTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("onnxc-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Sample_optimize_verify_and_inspect_agree()
    {
        var model = Path.Combine(_dir.FullName, "gpt2.onnx");
        var optimized = Path.Combine(_dir.FullName, "gpt2.opt.onnx");
        Assert.Equal(0, OnnxcProcess.Run("sample", "gpt2-tiny", "-o", model, "--external-data", "4096").ExitCode);
        Assert.True(File.Exists(model + ".data"));

        var optimize = OnnxcProcess.Run("optimize", model, "-o", optimized, "-O", "2");
        Assert.True(optimize.ExitCode == 0, optimize.Stderr);

        var verify = OnnxcProcess.Run("verify", model, optimized, "--samples", "2", "--dim", "batch=2", "--dim", "sequence=9", "--json");
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        using (var report = JsonDocument.Parse(verify.Stdout))
        {
            Assert.True(report.RootElement.GetProperty("passed").GetBoolean());
            Assert.Equal("logits", report.RootElement.GetProperty("outputs")[0].GetProperty("name").GetString());
        }

        var inspect = OnnxcProcess.Run("inspect", optimized, "--json");
        Assert.Equal(0, inspect.ExitCode);
        using var stats = JsonDocument.Parse(inspect.Stdout);
        Assert.Equal("input_ids", stats.RootElement.GetProperty("inputs")[0].GetProperty("name").GetString());
        Assert.True(stats.RootElement.GetProperty("parameters").GetProperty("count").GetInt64() > 0);
    }

    [Fact]
    public void Verify_exits_1_when_outputs_differ()
    {
        var a = Path.Combine(_dir.FullName, "a.onnx");
        var b = Path.Combine(_dir.FullName, "b.onnx");
        Assert.Equal(0, OnnxcProcess.Run("sample", "vit-tiny", "-o", a, "--seed", "1").ExitCode);
        Assert.Equal(0, OnnxcProcess.Run("sample", "vit-tiny", "-o", b, "--seed", "2").ExitCode);

        var verify = OnnxcProcess.Run("verify", a, b, "--samples", "1", "--dim", "batch=1");

        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("FAIL", verify.Stdout);
    }
}

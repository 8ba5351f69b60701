using System.Text.Json;
using Onnxc.Backends.Onnx;
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

    /// <summary>--disable-passes leaves a pass out of -O2 (its row is gone from the report); an unknown name is refused.</summary>
    [Fact]
    public void Disable_passes_leaves_a_pass_out_and_refuses_unknown_names()
    {
        var model = Path.Combine(_dir.FullName, "bert.onnx");
        Assert.Equal(0, OnnxcProcess.Run("sample", "bert-tiny", "-o", model).ExitCode);
        var full = OnnxcProcess.Run("optimize", model, "-o", Path.Combine(_dir.FullName, "full.onnx"));
        Assert.Equal(0, full.ExitCode);
        Assert.Contains("fuse-attention", full.Stdout);
        var without = OnnxcProcess.Run("optimize", model, "-o", Path.Combine(_dir.FullName, "without.onnx"), "--disable-passes", "fuse-attention");
        Assert.Equal(0, without.ExitCode);
        Assert.DoesNotContain("fuse-attention", without.Stdout);
        var unknown = OnnxcProcess.Run("optimize", model, "-o", Path.Combine(_dir.FullName, "x.onnx"), "--disable-passes", "no-such-pass");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("unknown pass 'no-such-pass'", unknown.Stderr);
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "x.onnx")));
    }

    /// <summary>--no-constant-folding writes the Linear weights behind Transposes; -O2 still fuses attention and verifies.</summary>
    [Fact]
    public void An_unfolded_sample_optimizes_and_verifies()
    {
        var model = Path.Combine(_dir.FullName, "bert-unfolded.onnx");
        var optimized = Path.Combine(_dir.FullName, "bert-unfolded.opt.onnx");
        Assert.Equal(0, OnnxcProcess.Run("sample", "bert-tiny", "-o", model, "--no-constant-folding").ExitCode);
        var optimize = OnnxcProcess.Run("optimize", model, "-o", optimized);
        Assert.True(optimize.ExitCode == 0, optimize.Stderr);
        using (var written = OnnxImporter.Load(model))
        {
            Assert.Equal(12, written.Graph.Nodes.Count(n => n.Is("Transpose") && n.Input(0) is { IsInitializer: true }));
        }
        using (var fused = OnnxImporter.Load(optimized))
        {
            Assert.Equal(2, fused.Graph.Nodes.Count(n => n.Is("Attention", "com.microsoft")));
        }
        var verify = OnnxcProcess.Run("verify", model, optimized, "--samples", "1", "--dim", "batch=1", "--dim", "sequence=8");
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
    }
}

using Onnxc.Backends.Onnx;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Cli;

/// <summary><c>optimize --quantize int4 --quantize-method gptq --act-order static|g-idx</c> through the real CLI.</summary>
public sealed class GptqActOrderCliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("onnxc-act-order-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Sample()
    {
        var model = Path.Combine(_dir.FullName, "vit.onnx");
        var made = OnnxcProcess.Run("sample", "vit-tiny", "-o", model);
        Assert.True(made.ExitCode == 0, made.Stderr);
        return model;
    }

    [Theory]
    [InlineData("static", false, "act-order static groups")]
    [InlineData("g-idx", true, "act-order g_idx")]
    public void Act_order_emits_its_layout_and_names_it_in_the_report(string mode, bool groupIndex, string settings)
    {
        var model = Sample();
        var output = Path.Combine(_dir.FullName, "out.onnx");
        var report = Path.Combine(_dir.FullName, "report.md");

        var result = OnnxcProcess.Run("optimize", model, "-o", output, "--quantize", "int4", "--quantize-method", "gptq",
            "--act-order", mode, "--calibration-samples", "4", "--report", report);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        using var quantized = OnnxImporter.Load(output);
        var nodes = quantized.Graph.Nodes.Where(n => n.OpType == "MatMulNBits").ToList();
        Assert.NotEmpty(nodes);
        // g_idx is input 4; static groups keep the plain layout without it.
        Assert.All(nodes, n => Assert.Equal(groupIndex, n.Inputs.Count > 4 && n.Input(4) is not null));
        Assert.Contains(settings, File.ReadAllText(report));
        Assert.Contains("cosine", File.ReadAllText(report));
    }

    [Theory]
    [InlineData("--quantize int4 --act-order static", "--act-order applies to --quantize-method gptq")]
    [InlineData("--quantize int8-dynamic --act-order static", "--act-order applies to --quantize int4|int8")]
    [InlineData("--quantize int8 --quantize-method gptq --act-order g-idx", "needs 4-bit weights")]
    [InlineData("--quantize int4 --quantize-method gptq --act-order sideways", "sideways")]
    public void Wrong_act_order_settings_are_usage_errors(string arguments, string message)
    {
        var model = Sample();
        var output = Path.Combine(_dir.FullName, "bad.onnx");
        var args = new List<string> { "optimize", model, "-o", output };
        args.AddRange(arguments.Split(' '));

        var result = OnnxcProcess.Run(args.ToArray());

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.False(File.Exists(output));
    }
}

using System.Text.Json;
using Onnxc.Backends.Onnx;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Cli;

/// <summary>
/// Every <c>optimize --quantize</c> mode through the real CLI: exit 0, the operator the mode emits is in the output,
/// the report is written; wrong option combinations are usage errors (exit 2) that name the option.
/// </summary>
public sealed class QuantizeCliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("onnxc-quantize-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Sample()
    {
        var model = Path.Combine(_dir.FullName, "vit.onnx");
        var made = OnnxcProcess.Run("sample", "vit-tiny", "-o", model);
        Assert.True(made.ExitCode == 0, made.Stderr);
        return model;
    }

    private static Dictionary<string, int> OpCounts(string path)
    {
        using var model = OnnxImporter.Load(path);
        return model.Graph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
    }

    [Theory]
    [InlineData("int4", "MatMulNBits", "report.md", "# Weight-only quantization report")]
    [InlineData("int8", "MatMulNBits", "report.json", "\"settings\": \"int8 rtn, block 32, symmetric\"")]
    [InlineData("int8-dynamic", "DynamicQuantizeMatMul", "report.md", "# Dynamic int8 quantization report")]
    [InlineData("int8-static", "QuantizeLinear", "report.md", "minmax activation ranges")]
    [InlineData("int8-static --calibration-method entropy", "QuantizeLinear", "report.json", "\"mode\": \"int8-static\"")]
    [InlineData("mixed --size-budget 0.5 --mixed-precisions fp32,int8", "DynamicQuantizeMatMul", "report.md", "| layer | parameters | precision |")]
    [InlineData("mixed --size-budget 0.2 --block-size 16", "MatMulNBits", "report.md", "| int4 |")]
    public void Mode_emits_its_operator_and_writes_the_report(string arguments, string op, string reportName, string reportText)
    {
        var model = Sample();
        var output = Path.Combine(_dir.FullName, "out.onnx");
        var report = Path.Combine(_dir.FullName, reportName);
        var args = new List<string> { "optimize", model, "-o", output, "--quantize" };
        args.AddRange(arguments.Split(' '));
        args.AddRange(["--report", report, "--calibration-samples", "8"]);

        var result = OnnxcProcess.Run(args.ToArray());

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var ops = OpCounts(output);
        Assert.True(ops.ContainsKey(op), $"no {op} in the output: {string.Join(", ", ops.Keys)}");
        Assert.Contains(reportText, File.ReadAllText(report));
        // Every report measures end-to-end fidelity, on generated held-back inputs when no data was given.
        if (!arguments.StartsWith("mixed", StringComparison.Ordinal))
        {
            var text = File.ReadAllText(report);
            if (reportName.EndsWith(".json", StringComparison.Ordinal)) Assert.Matches("\"[Cc]osine\": 0\\.9", text);
            else Assert.Contains("end-to-end on 16 held-back samples", text);
        }
        if (reportName.EndsWith(".json", StringComparison.Ordinal)) JsonDocument.Parse(File.ReadAllText(report)).Dispose();
        bool calibrates = arguments.StartsWith("int8-static", StringComparison.Ordinal) || arguments.StartsWith("mixed", StringComparison.Ordinal);
        Assert.Equal(calibrates, result.Stderr.Contains("GENERATED inputs", StringComparison.Ordinal));
    }

    [Fact]
    public void Gptq_on_generated_inputs_after_O2_keeps_token_ids_inside_the_fused_embedding()
    {
        var model = Path.Combine(_dir.FullName, "bert.onnx");
        Assert.Equal(0, OnnxcProcess.Run("sample", "bert-tiny", "-o", model).ExitCode);
        var output = Path.Combine(_dir.FullName, "bert.int4.onnx");

        var result = OnnxcProcess.Run("optimize", model, "-o", output, "--quantize", "int4", "--quantize-method", "gptq", "--calibration-samples", "4");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("EmbedLayerNormalization", OpCounts(output).Keys);
    }

    [Fact]
    public void Unnamed_dynamic_dims_of_generated_calibration_inputs_are_bound_with_dim()
    {
        // Silero VAD's audio input is f32[?, ?] with unnamed dims: generated calibration needs their sizes.
        var original = SharedData.RequireOrSkip("models/silero-vad-v5/silero_vad_v5.onnx");
        var output = Path.Combine(_dir.FullName, "vad.int8.onnx");
        string[] args = ["optimize", original, "-o", output, "--quantize", "int8-static", "--calibration-samples", "2"];

        var unbound = OnnxcProcess.Run(args);
        var bound = OnnxcProcess.Run([.. args, "--dim", "input:0=1", "--dim", "input:1=512", "--dim", "state:1=1"]);

        Assert.Equal(2, unbound.ExitCode);
        Assert.Contains("pass --dim input:0=VALUE", unbound.Stderr);
        Assert.True(bound.ExitCode == 0, bound.Stdout + bound.Stderr);
        Assert.True(File.Exists(output));
    }

    [Theory]
    [InlineData("static", false, "act-order static groups")]
    [InlineData("g-idx", true, "act-order g_idx")]
    public void Gptq_act_order_emits_its_layout_and_names_it_in_the_report(string mode, bool groupIndex, string settings)
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
    }

    [Fact]
    public void Mixed_prints_each_layers_choice_and_reason_and_meets_an_accuracy_budget()
    {
        var model = Sample();
        var output = Path.Combine(_dir.FullName, "mixed.onnx");
        var report = Path.Combine(_dir.FullName, "mixed.json");

        var result = OnnxcProcess.Run("optimize", model, "-o", output, "--quantize", "mixed", "--accuracy-budget", "0.999", "--calibration-samples", "8", "--report", report);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("mixed precision (cosine ≥ 0.999, met)", result.Stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var layers = json.RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.NotEmpty(layers);
        Assert.All(layers, l => Assert.False(string.IsNullOrWhiteSpace(l.GetProperty("Reason").GetString())));
        Assert.All(layers, l => Assert.Contains(l.GetProperty("Id").GetString()!, result.Stdout));
        Assert.True(json.RootElement.GetProperty("measuredCosine").GetDouble() >= 0.999);
    }

    [Fact]
    public void Static_int8_on_real_digits_uses_the_given_calibration_rows()
    {
        var model = SharedData.RequireOrSkip("models/vit-mnist/model.onnx");
        var x = Path.Combine(Path.GetDirectoryName(model)!, "x_test.npy");
        var output = Path.Combine(_dir.FullName, "vit-mnist.int8.onnx");
        var report = Path.Combine(_dir.FullName, "static.md");

        var result = OnnxcProcess.Run("optimize", model, "-o", output, "--quantize", "int8-static", "--calibration-method", "percentile",
            "--calibration", x, "--calibration-samples", "16", "--report", report);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.DoesNotContain("GENERATED", result.Stderr);
        var text = File.ReadAllText(report);
        Assert.Contains("- calibration: x_test.npy", text);
        Assert.Contains("held-back samples", text);
        Assert.True(OpCounts(output).GetValueOrDefault("QuantizeLinear") > 0);
    }

    [Theory]
    [InlineData("--quantize mixed", "exactly one of --size-budget or --accuracy-budget")]
    [InlineData("--quantize mixed --size-budget 0.5 --accuracy-budget 0.99", "exactly one of --size-budget or --accuracy-budget")]
    [InlineData("--quantize mixed --accuracy-budget 1.5", "not a cosine")]
    [InlineData("--quantize mixed --size-budget lots", "neither a byte count nor a ratio")]
    [InlineData("--quantize mixed --size-budget 0.5 --exclude head*", "--exclude applies to")]
    [InlineData("--quantize int8-dynamic --block-size 64", "--block-size applies to --quantize int4|int8|mixed, not --quantize int8-dynamic")]
    [InlineData("--quantize mixed --size-budget 0.5 --block-size 48", "block")]
    [InlineData("--quantize mixed --size-budget 0.5 --mixed-precisions fp32,int2", "'int2' is not fp32, int8 or int4")]
    [InlineData("--quantize mixed --size-budget 0.5 --mixed-precisions fp32,int4", "int8 is always one of the choices")]
    [InlineData("--quantize int4 --mixed-precisions fp32,int8", "--mixed-precisions applies to --quantize mixed")]
    [InlineData("--quantize int8-static --quantize-method gptq", "--quantize-method applies to")]
    [InlineData("--quantize int4 --calibration-method entropy", "--calibration-method applies to --quantize int8-static")]
    [InlineData("--quantize int8-dynamic --size-budget 0.5", "--size-budget applies to --quantize mixed")]
    [InlineData("--accuracy-budget 0.99", "--accuracy-budget needs --quantize")]
    [InlineData("--report r.md", "--report needs --quantize")]
    [InlineData("--dim batch=1", "--dim needs --quantize")]
    [InlineData("--quantize int4 --zero-point --symmetric", "exclude each other")]
    [InlineData("--quantize int4 --block-size 48", "block")]
    [InlineData("--quantize int4 --act-order static", "--act-order applies to --quantize-method gptq")]
    [InlineData("--quantize int8-dynamic --act-order static", "--act-order applies to --quantize int4|int8")]
    [InlineData("--quantize int8 --quantize-method gptq --act-order g-idx", "needs 4-bit weights")]
    public void Wrong_combinations_are_usage_errors(string arguments, string message)
    {
        var model = Sample();
        var args = new List<string> { "optimize", model, "-o", Path.Combine(_dir.FullName, "never.onnx") };
        args.AddRange(arguments.Split(' '));

        var result = OnnxcProcess.Run(args.ToArray());

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "never.onnx")));
    }

    [Theory]
    [InlineData("--quantize int16")]
    [InlineData("--quantize int8-static --calibration-method mse")]
    [InlineData("--quantize int4 --quantize-method gptq --act-order sideways")]
    public void Unknown_values_are_rejected_by_the_parser(string arguments)
    {
        var result = OnnxcProcess.Run(["optimize", "m.onnx", "-o", "o.onnx", .. arguments.Split(' ')]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(arguments.Split(' ')[^1], result.Stderr);
    }
}

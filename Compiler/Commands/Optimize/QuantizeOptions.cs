using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Calibration;
using Onnxc.Passes.Quantization.WeightOnly;

namespace Onnxc.Compiler.Commands.Optimize;

/// <summary>
/// <c>optimize --quantize MODE</c> and its settings. Each mode maps to the passes it appends after the -O pipeline
/// (<see cref="PassesFor"/>), so new modes (dynamic, static, mixed) are one more case there.
/// </summary>
public sealed class QuantizeOptions
{
    private readonly Option<string?> _mode = new("--quantize") { Description = "quantize weights: int4 or int8 (weight-only MatMulNBits)" };
    private readonly Option<string> _method = new("--quantize-method") { Description = "rtn (no data) or gptq (Hessians from calibration data)", DefaultValueFactory = _ => "rtn" };
    private readonly Option<int> _blockSize = new("--block-size") { Description = "weights per scale along K: a power of two in [16, 256]", DefaultValueFactory = _ => 32 };
    private readonly Option<bool> _zeroPoint = new("--zero-point") { Description = "asymmetric blocks with a zero point each (default: symmetric)" };
    private readonly Option<bool> _symmetric = new("--symmetric") { Description = "symmetric blocks, no zero points (the default)" };
    private readonly Option<string[]> _exclude = new("--exclude") { Description = "keep layers whose node or weight name matches this glob in float (repeatable)", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string?> _calibration = new("--calibration") { Description = "folder or file of input samples (.npy/.npz/.pb); batches are split into rows" };
    private readonly Option<int> _samples = new("--calibration-samples") { Description = "samples used for calibration; the rest are held back for the report", DefaultValueFactory = _ => 128 };
    private readonly Option<FileInfo?> _report = new("--report") { Description = "write a quantization report (.md or .json)" };
    private QuantizeWeights? _pass;
    private CalibrationData? _heldBack;

    public QuantizeOptions()
    {
        _mode.AcceptOnlyFromAmong("int4", "int8");
        _method.AcceptOnlyFromAmong("rtn", "gptq");
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _mode, _method, _blockSize, _zeroPoint, _symmetric, _exclude, _calibration, _samples, _report }) command.Options.Add(option);
    }

    /// <summary>The pipeline with the quantization passes of the chosen mode appended (unchanged without --quantize).</summary>
    public IReadOnlyList<PipelineStep> Extend(ParseResult parse, IReadOnlyList<PipelineStep> pipeline)
    {
        if (parse.GetValue(_mode) is not { } mode) return pipeline;
        return pipeline.Concat(PassesFor(mode, parse).Select(p => (PipelineStep)new PipelineStep.Single(p))).ToList();
    }

    private IEnumerable<IPass> PassesFor(string mode, ParseResult parse)
    {
        if (parse.GetValue(_zeroPoint) && parse.GetValue(_symmetric)) throw new OnnxcException(DiagnosticIds.Usage, "--symmetric and --zero-point exclude each other");
        var options = new QuantizeWeightsOptions
        {
            Bits = mode == "int8" ? 8 : 4,
            BlockSize = parse.GetValue(_blockSize),
            Symmetric = !parse.GetValue(_zeroPoint),
            Method = parse.GetValue(_method) == "gptq" ? WeightQuantMethod.Gptq : WeightQuantMethod.Rtn,
            Exclude = parse.GetValue(_exclude) ?? Array.Empty<string>(),
            Calibration = model => new CalibrationService(Calibration(model, parse.GetValue(_calibration), parse.GetValue(_samples))),
        };
        try
        {
            options.BlockConfig.Validate();
        }
        catch (ArgumentException e)
        {
            throw new OnnxcException(DiagnosticIds.Usage, e.Message);
        }
        _pass = new QuantizeWeights(options);
        yield return _pass;
    }

    /// <summary>The first <paramref name="count"/> samples calibrate; the rest are kept for the report's fidelity check.</summary>
    private CalibrationData Calibration(Model model, string? path, int count)
    {
        if (path is null)
        {
            Console.Error.WriteLine("warning: no --calibration data; GPTQ calibrates on GENERATED inputs, which describe noise, not real use");
            var generated = CalibrationData.GenerateFor(model, count + 16);
            _heldBack = generated.Skip(count);
            return generated.Take(count);
        }
        var all = CalibrationData.Load(path, CalibrationData.PortsOf(model));
        _heldBack = all.Count > count ? all.Skip(count).Take(256) : null;
        return all.Take(count);
    }

    /// <summary>Writes the report asked for with --report; a no-op otherwise.</summary>
    public void WriteReport(ParseResult parse, string inputPath, string outputPath)
    {
        if (parse.GetValue(_report) is not { } file || _pass is null) return;
        var report = _pass.Report;
        long before = FileBytes(inputPath), after = FileBytes(outputPath);
        FidelityResult? fidelity = null;
        // RTN never reads calibration data, so its held-back samples are loaded here for the fidelity check.
        if (_heldBack is null && parse.GetValue(_calibration) is { } path)
        {
            using var runner = new OrtRunner(inputPath);
            var all = CalibrationData.Load(path, runner.Inputs);
            int count = parse.GetValue(_samples);
            if (all.Count > count) _heldBack = all.Skip(count).Take(256);
        }
        if (_heldBack is { Count: > 0 } held) fidelity = EndToEndFidelity.Measure(inputPath, outputPath, held);
        var o = _pass.Options;
        string settings = $"int{o.Bits} {o.Method.ToString().ToLowerInvariant()}, block {o.BlockSize}, {(o.Symmetric ? "symmetric" : "zero points")}";
        string text = file.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase)
            ? JsonSerializer.Serialize(new { settings, modelBytesBefore = before, modelBytesAfter = after, calibration = report.CalibrationSource, calibrationGenerated = report.CalibrationGenerated, fidelity, layers = report.Layers }, new JsonSerializerOptions { WriteIndented = true })
            : Markdown(settings, before, after, report, fidelity);
        File.WriteAllText(file.FullName, text);
    }

    private static string Markdown(string settings, long before, long after, WeightOnlyReport report, FidelityResult? fidelity)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine($"# Weight-only quantization report").AppendLine();
        md.AppendLine($"- settings: {settings}");
        md.AppendLine(c, $"- model size: {before:N0} B -> {after:N0} B ({(double)before / Math.Max(1, after):0.00}x smaller)");
        if (report.CalibrationSource is { } source) md.AppendLine($"- calibration: {source}{(report.CalibrationGenerated ? " — **GENERATED INPUTS: statistics describe noise, not real data**" : "")}");
        if (fidelity is { } f) md.AppendLine(c, $"- end-to-end on {f.Samples} held-back samples ({f.Source}): cosine {f.Cosine:0.000000}, max abs error {f.MaxAbsError:G4}, top-1 agreement {f.Top1Agreement:P2}");
        md.AppendLine(c, $"- quantization time: {report.Elapsed.TotalSeconds:0.00} s").AppendLine();
        md.AppendLine("| node | weight | K | N | method | bytes before | bytes after | relative error | skipped |").AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var l in report.Layers)
        {
            md.AppendLine(c, $"| {l.Node} | {l.Weight} | {l.K} | {l.N} | {l.Method} | {l.BytesBefore} | {l.BytesAfter} | {(l.RelativeError is { } e ? e.ToString("G3", c) : "")} | {l.Skipped} |");
        }
        return md.ToString();
    }

    private static long FileBytes(string path) =>
        new FileInfo(path).Length + (File.Exists(path + ".data") ? new FileInfo(path + ".data").Length : 0);
}

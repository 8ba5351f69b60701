using System.CommandLine;
using System.Text.RegularExpressions;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Calibration;
using Onnxc.Passes.Quantization.Int8;
using Onnxc.Passes.Quantization.Mixed;
using Onnxc.Passes.Quantization.WeightOnly;

namespace Onnxc.Compiler.Commands.Optimize;

/// <summary>
/// <c>optimize --quantize MODE</c> and its settings. Each mode maps to the pass it appends after the -O pipeline
/// (<see cref="PassFor"/>); options that mean nothing for the chosen mode are usage errors, not silently ignored.
/// </summary>
public sealed class QuantizeOptions
{
    private static readonly string[] Modes = ["int4", "int8", "int8-dynamic", "int8-static", "mixed"];

    private readonly Option<string?> _mode = new("--quantize")
    {
        Description = "int4 | int8 (weight-only MatMulNBits), int8-dynamic (DynamicQuantizeMatMul), int8-static (QDQ, calibrated), mixed (per-layer fp32/int8/int4 under a budget)",
    };
    private readonly Option<string?> _method = new("--quantize-method") { Description = "int4/int8 weight-only: rtn (no data, the default) or gptq (Hessians from calibration data)" };
    private readonly Option<string?> _actOrder = new("--act-order")
    {
        Description = "gptq: quantize inputs in order of decreasing Hessian diagonal; static (blocks keep the plain layout) or g-idx (groups in that order, emitted with MatMulNBits' g_idx; int4 only, slower on ORT CPU)",
    };
    private readonly Option<int?> _blockSize = new("--block-size") { Description = "int4/int8 weight-only and mixed's int4: weights per scale along K, a power of two in [16, 256] (default 32)" };
    private readonly Option<bool> _zeroPoint = new("--zero-point") { Description = "int4/int8 weight-only and mixed's int4: asymmetric blocks with a zero point each (default: symmetric)" };
    private readonly Option<bool> _symmetric = new("--symmetric") { Description = "int4/int8 weight-only and mixed's int4: symmetric blocks, no zero points (the default)" };
    private readonly Option<string?> _precisions = new("--mixed-precisions") { Description = "mixed: the precisions layers may take, fp32 always (fp32,int8,int4 the default; fp32,int8 leaves int4 out)" };
    private readonly Option<string[]> _exclude = new("--exclude") { Description = "keep layers whose node (or weight) name matches this glob in float (repeatable; not with mixed)", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string?> _calibration = new("--calibration") { Description = "folder or file of input samples (.npy/.npz/.pb); batches are split into rows" };
    private readonly Option<int> _samples = new("--calibration-samples") { Description = "samples used for calibration; the rest are held back for the report", DefaultValueFactory = _ => 128 };
    private readonly Option<string?> _calibrationMethod = new("--calibration-method") { Description = "int8-static activation ranges: minmax (default), percentile (99.99) or entropy (KL)" };
    private readonly Option<string?> _sizeBudget = new("--size-budget") { Description = "mixed: weight bytes allowed, as a count (12000000) or a ratio of fp32 (0.3)" };
    private readonly Option<string?> _accuracyBudget = new("--accuracy-budget") { Description = "mixed: lowest mean cosine of the outputs to fp32's on the calibration samples (e.g. 0.999)" };
    private readonly Option<string[]> _dims = new("--dim") { Description = "bind a dimension of generated calibration inputs: name=value, or input:axis=value for an unnamed one (repeatable)" };
    private readonly Option<FileInfo?> _report = new("--report") { Description = "write a quantization report (.md or .json)" };
    private IPass? _pass;
    private CalibrationData? _heldBack;

    public QuantizeOptions()
    {
        _mode.AcceptOnlyFromAmong(Modes);
        _method.AcceptOnlyFromAmong("rtn", "gptq");
        _actOrder.AcceptOnlyFromAmong("static", "g-idx");
        _calibrationMethod.AcceptOnlyFromAmong("minmax", "percentile", "entropy");
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _mode, _method, _actOrder, _blockSize, _zeroPoint, _symmetric, _exclude, _calibration, _samples, _calibrationMethod, _sizeBudget, _accuracyBudget, _precisions, _dims, _report })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The pipeline with the quantization pass of the chosen mode appended (unchanged without --quantize).</summary>
    public IReadOnlyList<PipelineStep> Extend(ParseResult parse, IReadOnlyList<PipelineStep> pipeline)
    {
        var mode = parse.GetValue(_mode);
        RejectMisplaced(parse, mode);
        if (mode is null) return pipeline;
        _pass = PassFor(mode, parse);
        return Pipelines.BeforeLayout(pipeline, new[] { new PipelineStep.Single(_pass) });
    }

    /// <summary>Options given for another mode than the chosen one are mistakes the user should hear about.</summary>
    private void RejectMisplaced(ParseResult parse, string? mode)
    {
        bool weightOnly = mode is "int4" or "int8";
        void Only(Option option, bool allowed, string modes)
        {
            if (parse.GetResult(option) is { Implicit: false } && !allowed)
            {
                throw new OnnxcException(DiagnosticIds.Usage, mode is null
                    ? $"{option.Name} needs --quantize ({modes})"
                    : $"{option.Name} applies to --quantize {modes}, not --quantize {mode}");
            }
        }
        Only(_method, weightOnly, "int4|int8");
        Only(_blockSize, weightOnly || mode == "mixed", "int4|int8|mixed");
        Only(_actOrder, weightOnly, "int4|int8");
        if (parse.GetResult(_actOrder) is { Implicit: false } && parse.GetValue(_method) != "gptq")
        {
            throw new OnnxcException(DiagnosticIds.Usage, "--act-order applies to --quantize-method gptq (round-to-nearest has no column order)");
        }
        Only(_zeroPoint, weightOnly || mode == "mixed", "int4|int8|mixed");
        Only(_symmetric, weightOnly || mode == "mixed", "int4|int8|mixed");
        Only(_precisions, mode == "mixed", "mixed");
        Only(_exclude, mode is not null and not "mixed", "int4|int8|int8-dynamic|int8-static");
        Only(_calibrationMethod, mode == "int8-static", "int8-static");
        Only(_dims, mode is not null, string.Join("|", Modes));
        Only(_sizeBudget, mode == "mixed", "mixed");
        Only(_accuracyBudget, mode == "mixed", "mixed");
        Only(_report, mode is not null, string.Join("|", Modes));
        Only(_samples, mode is not null, string.Join("|", Modes));
        if (parse.GetValue(_zeroPoint) && parse.GetValue(_symmetric)) throw new OnnxcException(DiagnosticIds.Usage, "--symmetric and --zero-point exclude each other");
        if (parse.GetValue(_samples) < 1) throw new OnnxcException(DiagnosticIds.Usage, "--calibration-samples must be at least 1");
        if (mode == "mixed")
        {
            // Validates the budget's form now, before the model loads; the ratio is resolved against the real size when the pass runs.
            Passes.Quantization.Mixed.MixedPrecisionBudget.Parse(parse.GetValue(_sizeBudget), parse.GetValue(_accuracyBudget), 1);
            MixedInt4Allowed(parse);
        }
    }

    private IPass PassFor(string mode, ParseResult parse)
    {
        Func<Model, CalibrationService> calibration = model => new CalibrationService(Calibration(model, mode, parse.GetValue(_calibration), parse.GetValue(_samples), Dims(parse)));
        var excluded = (parse.GetValue(_exclude) ?? Array.Empty<string>()).Select(GlobToRegex).ToArray();
        var int8 = new Int8Options { IncludeLayer = excluded.Length == 0 ? null : id => !excluded.Any(r => r.IsMatch(id)) };
        switch (mode)
        {
            case "int8-dynamic":
                return new QuantizeInt8Dynamic(int8);
            case "int8-static":
                var method = parse.GetValue(_calibrationMethod) switch
                {
                    "percentile" => CalibrationMethod.Percentile,
                    "entropy" => CalibrationMethod.Entropy,
                    _ => CalibrationMethod.MinMax,
                };
                return new CalibratedInt8Static(calibration, method, int8);
            case "mixed":
                var int4 = MixedInt4Allowed(parse) ? new BlockWeightQuantizer(BlockConfig(parse, 4)) : null;
                return new MixedPrecisionPass(calibration, parse.GetValue(_sizeBudget), parse.GetValue(_accuracyBudget), new Int8Options(), int4);
        }
        var block = BlockConfig(parse, mode == "int8" ? 8 : 4);
        var options = new QuantizeWeightsOptions
        {
            Bits = block.Bits,
            BlockSize = block.BlockSize,
            Symmetric = block.Symmetric,
            Method = parse.GetValue(_method) == "gptq" ? WeightQuantMethod.Gptq : WeightQuantMethod.Rtn,
            Gptq = new GptqOptions { ActOrder = parse.GetValue(_actOrder) is not null, GroupIndex = parse.GetValue(_actOrder) == "g-idx" },
            Exclude = parse.GetValue(_exclude) ?? Array.Empty<string>(),
            Calibration = calibration,
        };
        // Act-order with the block layout (g_idx needs int4).
        AsUsageError(options.Validate);
        return new QuantizeWeights(options);
    }

    /// <summary>The block layout of --block-size/--zero-point, validated (a bad block size is a usage error).</summary>
    private BlockQuantConfig BlockConfig(ParseResult parse, int bits)
    {
        var config = new BlockQuantConfig(bits, parse.GetValue(_blockSize) ?? 32, !parse.GetValue(_zeroPoint));
        AsUsageError(config.Validate);
        return config;
    }

    /// <summary>Settings validation throws ArgumentException; on the command line that is the user's usage error.</summary>
    private static void AsUsageError(Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            throw new OnnxcException(DiagnosticIds.Usage, e.Message);
        }
    }

    /// <summary>Whether --mixed-precisions lets layers take int4; fp32 is always allowed and int8 may not be left out.</summary>
    private bool MixedInt4Allowed(ParseResult parse)
    {
        var given = (parse.GetValue(_precisions) ?? "fp32,int8,int4").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (given.Except(new[] { "fp32", "int8", "int4" }).FirstOrDefault() is { } unknown)
        {
            throw new OnnxcException(DiagnosticIds.Usage, $"--mixed-precisions: '{unknown}' is not fp32, int8 or int4");
        }
        if (!given.Contains("int8")) throw new OnnxcException(DiagnosticIds.Usage, "--mixed-precisions: int8 is always one of the choices (give fp32,int8 or fp32,int8,int4)");
        return given.Contains("int4");
    }

    /// <summary>The first <paramref name="count"/> samples calibrate; the rest are kept for the report's fidelity check.</summary>
    private CalibrationData Calibration(Model model, string mode, string? path, int count, IReadOnlyDictionary<string, long> dims)
    {
        if (path is null)
        {
            Console.Error.WriteLine($"warning: no --calibration data; --quantize {mode} calibrates on GENERATED inputs, which describe noise, not real use");
            var generated = CalibrationData.GenerateFor(model, count + 16, dims: dims);
            _heldBack = generated.Skip(count);
            return generated.Take(count);
        }
        var all = CalibrationData.Load(path, CalibrationData.PortsOf(model));
        _heldBack = all.Count > count ? all.Skip(count).Take(256) : null;
        return all.Take(count);
    }

    /// <summary>Prints the pass's warnings and what mixed precision chose (unless --quiet), and writes the report asked for with --report.</summary>
    public void WriteReport(ParseResult parse, string inputPath, string outputPath)
    {
        if (_pass is null) return;
        if (_pass is QuantizeWeights weights) foreach (var warning in weights.Report.Warnings) Console.Error.WriteLine($"warning: {warning}");
        if (_pass is MixedPrecisionPass { Report: { } mixed } && !parse.GetValue<bool>("--quiet")) QuantizeReportWriter.PrintMixed(mixed);
        if (parse.GetValue(_report) is not { } file) return;
        // Passes that never read calibration data (RTN, dynamic int8) get their held-back samples here for the fidelity
        // check: the rows after --calibration-samples of --calibration, or generated inputs (the report says which).
        if (_heldBack is null && parse.GetValue(_calibration) is { } path)
        {
            using var runner = new OrtRunner(inputPath);
            var all = CalibrationData.Load(path, runner.Inputs);
            int count = parse.GetValue(_samples);
            if (all.Count > count) _heldBack = all.Skip(count).Take(256);
        }
        else if (_heldBack is null)
        {
            using var original = Backends.Onnx.OnnxImporter.Load(inputPath);
            _heldBack = CalibrationData.GenerateFor(original, 16, seed: 1, Dims(parse));
        }
        var fidelity = _heldBack is { Count: > 0 } held ? EndToEndFidelity.Measure(inputPath, outputPath, held) : null;
        var context = new QuantizeReportWriter.Sizes(FileBytes(inputPath), FileBytes(outputPath), fidelity);
        bool json = file.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase);
        File.WriteAllText(file.FullName, QuantizeReportWriter.Render(_pass, context, json));
    }

    private IReadOnlyDictionary<string, long> Dims(ParseResult parse) => VerifyCommand.ParseDims(parse.GetValue(_dims) ?? Array.Empty<string>());

    private static Regex GlobToRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.CultureInvariant);

    private static long FileBytes(string path) =>
        new FileInfo(path).Length + (File.Exists(path + ".data") ? new FileInfo(path + ".data").Length : 0);
}

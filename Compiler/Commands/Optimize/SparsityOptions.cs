using System.CommandLine;
using System.Text.RegularExpressions;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Sparsity;

namespace Onnxc.Compiler.Commands.Optimize;

/// <summary>
/// <c>onnxc optimize ... --sparsity 2:4 [--sparsity-method magnitude|sparsegpt] [--calibration DIR]
/// [--sparsity-layers REGEX] [--sparsity-exclude REGEX] [--sparsity-max-error X] [--sparse-values float|int8]</c>.
/// </summary>
internal sealed class SparsityOptions
{
    private readonly Option<string?> _sparsity = new("--sparsity") { Description = "prune MatMul/Gemm weights to this N:M pattern (only '2:4')" };
    private readonly Option<string> _method = new("--sparsity-method")
    {
        Description = "how 2:4 masks are chosen: 'magnitude' or 'sparsegpt' (needs --calibration)",
        DefaultValueFactory = _ => "magnitude",
    };
    private readonly Option<string?> _layers = new("--sparsity-layers") { Description = "prune only layers whose node or weight name matches this regex" };
    private readonly Option<string?> _exclude = new("--sparsity-exclude") { Description = "leave layers whose node or weight name matches this regex dense" };
    private readonly Option<double?> _maxError = new("--sparsity-max-error") { Description = "leave a layer dense when its relative pruning error exceeds this (sensitivity)" };
    private readonly Option<string> _values = new("--sparse-values")
    {
        Description = "how SparseMatMul24 stores the kept weights: 'float' (the layer's type) or 'int8' (per-output-channel scales; needs --target ort+onnxc)",
        DefaultValueFactory = _ => "float",
    };
    private Option<string?>? _calibration;

    /// <summary>Adds the options to the optimize command; reuses a <c>--calibration</c> option another feature already added.</summary>
    public void AddTo(Command command)
    {
        _sparsity.AcceptOnlyFromAmong("2:4");
        _method.AcceptOnlyFromAmong("magnitude", "sparsegpt");
        _values.AcceptOnlyFromAmong("float", "int8");
        foreach (var option in new Option[] { _sparsity, _method, _layers, _exclude, _maxError, _values }) command.Options.Add(option);
        _calibration = command.Options.OfType<Option<string?>>().FirstOrDefault(o => o.Name == "--calibration");
        if (_calibration is null)
        {
            _calibration = new Option<string?>("--calibration") { Description = "calibration inputs (directory, .npz or .npy) for data-driven passes" };
            command.Options.Add(_calibration);
        }
    }

    /// <summary>The pipeline with 2:4 pruning appended when --sparsity was given; otherwise unchanged.</summary>
    public IReadOnlyList<PipelineStep> Apply(ParseResult parse, IReadOnlyList<PipelineStep> pipeline, FileInfo model)
    {
        if (parse.GetValue(_sparsity) is null)
        {
            if (parse.GetValue(_values) == "int8") throw new OnnxcException(DiagnosticIds.Usage, "--sparse-values int8 needs --sparsity 2:4");
            return pipeline;
        }
        var method = parse.GetValue(_method) == "sparsegpt" ? SparsityMethod.SparseGpt : SparsityMethod.Magnitude;
        var calibration = _calibration is null ? null : parse.GetValue(_calibration);
        if (method == SparsityMethod.SparseGpt && calibration is null)
        {
            throw new OnnxcException(DiagnosticIds.Usage, "--sparsity-method sparsegpt needs --calibration DIR (inputs to collect layer Hessians from)");
        }
        var options = new Prune24Options
        {
            Method = method,
            Include = Pattern(parse.GetValue(_layers), "--sparsity-layers"),
            Exclude = Pattern(parse.GetValue(_exclude), "--sparsity-exclude"),
            MaxRelativeError = parse.GetValue(_maxError),
            Values = parse.GetValue(_values) == "int8" ? SparseValues.Int8 : SparseValues.LayerType,
            Hessians = calibration is null ? null : SparsityCalibration.HessianSource(calibration, model),
        };
        return Pipelines.WithSparsity(pipeline, options);
    }

    private static Regex? Pattern(string? text, string option)
    {
        if (text is null) return null;
        try
        {
            return new Regex(text, RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new OnnxcException(DiagnosticIds.Usage, $"{option}: '{text}' is not a valid regular expression: {e.Message}");
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Onnxc.Passes;
using Onnxc.Passes.Quantization.Int8;
using Onnxc.Passes.Quantization.Mixed;
using Onnxc.Passes.Quantization.WeightOnly;
using Spectre.Console;

namespace Onnxc.Compiler.Commands.Optimize;

/// <summary>Renders what a quantization pass did as Markdown or JSON (--report) and, for mixed precision, as a console table.</summary>
internal static class QuantizeReportWriter
{
    /// <summary>File sizes (model + external data) before and after, and the end-to-end check on held-back samples.</summary>
    public sealed record Sizes(long BytesBefore, long BytesAfter, FidelityResult? Fidelity);

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    public static string Render(IPass pass, Sizes sizes, bool json) => pass switch
    {
        QuantizeWeights w => json ? WeightOnlyJson(w, sizes) : WeightOnlyMarkdown(w, sizes),
        MixedPrecisionPass { Report: { } m } => json ? MixedJson(m, sizes) : MixedMarkdown(m, sizes),
        CalibratedInt8Static s => json ? StaticJson(s, sizes) : StaticMarkdown(s, sizes),
        QuantizeInt8Dynamic => json
            ? JsonSerializer.Serialize(new { mode = "int8-dynamic", settings = DynamicSettings, sizes.BytesBefore, sizes.BytesAfter, sizes.Fidelity }, Json)
            : Header("Dynamic int8 quantization report", DynamicSettings, sizes, null, false).ToString(),
        _ => throw new InvalidOperationException($"no report for pass '{pass.Name}'"),
    };

    private const string DynamicSettings = "int8 dynamic: per-column int8 weights (7-bit range), uint8 activations quantized at run time (DynamicQuantizeMatMul; fused attention: QAttention or int8 projection + MultiHeadAttention)";

    /// <summary>The per-layer choices and reasons, printed after optimize's pass table.</summary>
    public static void PrintMixed(MixedPrecisionReport report)
    {
        var table = new Table().AddColumns("layer", "params", "precision", "int8 loss", "int4 loss", "reason");
        foreach (var l in report.Layers)
        {
            table.AddRow(Markup.Escape(l.Id), l.Parameters.ToString("N0", C), l.Precision.Label(), Loss(l.LossInt8), Loss(l.LossInt4), Markup.Escape(l.Reason));
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine(Summary(report));
        foreach (var note in report.Notes) AnsiConsole.WriteLine("note: " + note);
    }

    private static string Summary(MixedPrecisionReport r) => string.Create(C,
        $"mixed precision ({r.Budget}, {(r.BudgetMet ? "met" : "NOT MET")}): {r.Histogram}; weights {r.Fp32Bytes:N0} -> {r.Bytes:N0} B ({r.SizeRatio:P1}); " +
        $"cosine on {r.Samples} calibration samples predicted {r.PredictedCosine:0.######}, measured {r.MeasuredCosine:0.######}");

    private static string Loss(double? loss) => loss is { } v ? v.ToString("0.##e0", C) : "";

    private static StringBuilder Header(string title, string settings, Sizes sizes, string? calibration, bool generated)
    {
        var md = new StringBuilder();
        md.AppendLine($"# {title}").AppendLine();
        md.AppendLine($"- settings: {settings}");
        md.AppendLine(C, $"- model size: {sizes.BytesBefore:N0} B -> {sizes.BytesAfter:N0} B ({(double)sizes.BytesBefore / Math.Max(1, sizes.BytesAfter):0.00}x smaller)");
        if (calibration is not null) md.AppendLine($"- calibration: {calibration}{(generated ? " — **GENERATED INPUTS: statistics describe noise, not real data**" : "")}");
        if (sizes.Fidelity is { } f) md.AppendLine(C, $"- end-to-end on {f.Samples} held-back samples ({f.Source}): cosine {f.Cosine:0.000000}, max abs error {f.MaxAbsError:G4}, top-1 agreement {f.Top1Agreement:P2}");
        return md;
    }

    private static string WeightSettings(QuantizeWeights pass)
    {
        var o = pass.Options;
        var actOrder = o.Method != WeightQuantMethod.Gptq || !o.Gptq.ActOrder ? "" : o.Gptq.GroupIndex ? ", act-order g_idx" : ", act-order static groups";
        return $"int{o.Bits} {o.Method.ToString().ToLowerInvariant()}, block {o.BlockSize}, {(o.Symmetric ? "symmetric" : "zero points")}{actOrder}";
    }

    private static string WeightOnlyJson(QuantizeWeights pass, Sizes sizes)
    {
        var r = pass.Report;
        return JsonSerializer.Serialize(new { settings = WeightSettings(pass), modelBytesBefore = sizes.BytesBefore, modelBytesAfter = sizes.BytesAfter, calibration = r.CalibrationSource, calibrationGenerated = r.CalibrationGenerated, seconds = r.Elapsed.TotalSeconds, phases = r.Phases.ToString(), warnings = r.Warnings, fidelity = sizes.Fidelity, layers = r.Layers }, Json);
    }

    private static string WeightOnlyMarkdown(QuantizeWeights pass, Sizes sizes)
    {
        var report = pass.Report;
        var md = Header("Weight-only quantization report", WeightSettings(pass), sizes, report.CalibrationSource, report.CalibrationGenerated);
        md.AppendLine(C, $"- quantization time: {report.Elapsed.TotalSeconds:0.00} s ({report.Phases})");
        foreach (var warning in report.Warnings) md.AppendLine(C, $"- **warning**: {warning}");
        md.AppendLine();
        md.AppendLine("| node | weight | K | N | method | bytes before | bytes after | relative error | skipped |").AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var l in report.Layers)
        {
            md.AppendLine(C, $"| {l.Node} | {l.Weight} | {l.K} | {l.N} | {l.Method} | {l.BytesBefore} | {l.BytesAfter} | {(l.RelativeError is { } e ? e.ToString("G3", C) : "")} | {l.Skipped} |");
        }
        return md.ToString();
    }

    private static string StaticSettings(CalibratedInt8Static pass) =>
        $"int8 static QDQ: {pass.Method.ToString().ToLowerInvariant()} activation ranges (uint8), per-column int8 weights (7-bit range)";

    private static string StaticJson(CalibratedInt8Static pass, Sizes sizes) => JsonSerializer.Serialize(new
    {
        mode = "int8-static",
        settings = StaticSettings(pass),
        modelBytesBefore = sizes.BytesBefore,
        modelBytesAfter = sizes.BytesAfter,
        calibration = pass.Calibration?.Source,
        calibrationGenerated = pass.Calibration?.IsGenerated ?? false,
        fidelity = sizes.Fidelity,
        seconds = pass.Elapsed.TotalSeconds,
        counts = pass.Result?.Counts,
        ranges = pass.Ranges.Select(p => new { activation = p.Key, low = p.Value.Low, high = p.Value.High }),
    }, Json);

    private static string StaticMarkdown(CalibratedInt8Static pass, Sizes sizes)
    {
        var md = Header("Static int8 quantization report", StaticSettings(pass), sizes, pass.Calibration?.Source, pass.Calibration?.IsGenerated ?? false);
        md.AppendLine(C, $"- quantized layers: {pass.Result?.Counts.GetValueOrDefault("quantized-linear")}; time {pass.Elapsed.TotalSeconds:0.00} s").AppendLine();
        md.AppendLine("| activation | low | high |").AppendLine("|---|---|---|");
        foreach (var (name, range) in pass.Ranges.OrderBy(p => p.Key, StringComparer.Ordinal)) md.AppendLine(C, $"| {name} | {range.Low:G6} | {range.High:G6} |");
        return md.ToString();
    }

    private static string MixedJson(MixedPrecisionReport r, Sizes sizes) => JsonSerializer.Serialize(new
    {
        mode = "mixed",
        budget = r.Budget.ToString(),
        budgetMet = r.BudgetMet,
        calibration = r.CalibrationSource,
        samples = r.Samples,
        weightBytesFp32 = r.Fp32Bytes,
        weightBytes = r.Bytes,
        modelBytesBefore = sizes.BytesBefore,
        modelBytesAfter = sizes.BytesAfter,
        predictedCosine = r.PredictedCosine,
        measuredCosine = r.MeasuredCosine,
        fidelity = sizes.Fidelity,
        notes = r.Notes,
        layers = r.Layers,
    }, Json);

    private static string MixedMarkdown(MixedPrecisionReport r, Sizes sizes)
    {
        var md = Header("Mixed-precision quantization report", $"budget {r.Budget} ({(r.BudgetMet ? "met" : "**NOT MET**")})", sizes, r.CalibrationSource, false);
        md.AppendLine($"- {Summary(r)}");
        foreach (var note in r.Notes) md.AppendLine($"- note: {note}");
        md.AppendLine().AppendLine("| layer | parameters | precision | bytes | int8 loss | int4 loss | reason |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var l in r.Layers)
        {
            md.AppendLine(C, $"| {l.Id} | {l.Parameters} | {l.Precision.Label()} | {l.Bytes} | {Loss(l.LossInt8)} | {Loss(l.LossInt4)} | {l.Reason} |");
        }
        return md.ToString();
    }
}

using System.CommandLine;
using System.Globalization;
using Onnxc.Compiler.Cli;
using Onnxc.Conformance;
using Onnxc.Ir;
using Spectre.Console;

namespace Onnxc.Compiler.Commands;

/// <summary>
/// <c>onnxc verify REFERENCE CANDIDATE</c>: runs both models with ONNX Runtime on the same inputs and compares
/// every output. Exit 0 within tolerance, 1 outside.
/// </summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var reference = new Argument<FileInfo>("reference") { Description = "the model to trust (usually the original)" };
        var candidate = new Argument<FileInfo>("candidate") { Description = "the model to check (usually the optimized one)" };
        var inputs = new Option<string?>("--inputs") { Description = "folder or file of inputs (.npy, .npz, ONNX TensorProto .pb); generated when absent" };
        var samples = new Option<int>("--samples") { Description = "number of generated input sets", DefaultValueFactory = _ => 4 };
        var seed = new Option<int>("--seed") { Description = "seed of generated inputs", DefaultValueFactory = _ => 0 };
        var rtol = new Option<double?>("--rtol") { Description = $"relative tolerance (default {Tolerance.Fp32Rewrite.Rtol})" };
        var atol = new Option<double?>("--atol") { Description = $"absolute tolerance (default {Tolerance.Fp32Rewrite.Atol})" };
        var dims = new Option<string[]>("--dim") { Description = "bind a symbolic dimension for generated inputs: name=value (repeatable)", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var command = new Command("verify", "Run two models with ONNX Runtime on the same inputs and compare their outputs")
        {
            reference, candidate, inputs, samples, seed, rtol, atol, dims, json,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var baseline = Tolerance.Fp32Rewrite;
            var tolerance = parse.GetValue(rtol) is null && parse.GetValue(atol) is null
                ? baseline
                : new Tolerance("user", parse.GetValue(rtol) ?? baseline.Rtol, parse.GetValue(atol) ?? baseline.Atol);
            var options = new VerifyOptions
            {
                InputsPath = parse.GetValue(inputs),
                Samples = parse.GetValue(samples),
                Seed = parse.GetValue(seed),
                Tolerance = tolerance,
                Dims = ParseDims(parse.GetValue(dims) ?? Array.Empty<string>()),
            };
            var report = ModelVerifier.Verify(parse.GetValue(reference)!.FullName, parse.GetValue(candidate)!.FullName, options);
            if (parse.GetValue(json)) Console.WriteLine(report.ToJson());
            else Render(report);
            return report.Passed ? ExitCodes.Ok : ExitCodes.VerificationFailed;
        }));
        return command;
    }

    /// <summary>Parses repeated <c>name=value</c> bindings; a malformed one is a usage error naming it.</summary>
    public static IReadOnlyDictionary<string, long> ParseDims(IEnumerable<string> bindings)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var binding in bindings)
        {
            var parts = binding.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
            {
                throw new OnnxcException(DiagnosticIds.Usage, $"--dim '{binding}' is not name=positive-integer", hint: "e.g. --dim batch=2 --dim sequence=128");
            }
            result[parts[0]] = value;
        }
        return result;
    }

    private static void Render(VerifyReport report)
    {
        var table = new Table().AddColumns("output", "type", "max abs", "max rel", "cosine", "top-1", "result");
        foreach (var o in report.Outputs)
        {
            table.AddRow(
                Markup.Escape(o.Name),
                Markup.Escape($"{o.ElementType}{(o.Shape is null ? "" : "[" + string.Join(",", o.Shape) + "]")}"),
                Number(o.MaxAbsError),
                Number(o.MaxRelError),
                o.CosineSimilarity.ToString("0.000000", CultureInfo.InvariantCulture),
                o.Top1Agreement is { } top1 ? top1.ToString("P1", CultureInfo.InvariantCulture) : "-",
                o.Passed ? "[green]pass[/]" : "[red]FAIL[/] " + Markup.Escape(o.Reason ?? ""));
        }
        table.Caption($"{report.Samples} sample(s) from {Markup.Escape(report.Inputs)}; tolerance {Markup.Escape(report.Tolerance.Name)} (rtol {report.Tolerance.Rtol}, atol {report.Tolerance.Atol}); " +
            $"mean run {report.ReferenceMs:0.0} ms reference, {report.CandidateMs:0.0} ms candidate");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(report.Passed ? "[green]verified[/]: every output within tolerance" : "[red]verification failed[/]: outputs outside tolerance");
    }

    private static string Number(double value) => value.ToString("0.###e+0", CultureInfo.InvariantCulture);
}

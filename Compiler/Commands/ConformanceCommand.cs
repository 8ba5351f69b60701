using System.CommandLine;
using Onnxc.Compiler.Cli;
using Onnxc.Conformance;
using Spectre.Console;

namespace Onnxc.Compiler.Commands;

/// <summary>
/// <c>onnxc conformance DIR</c>: for each ONNX backend test under DIR, run the original with ONNX Runtime, round-trip
/// it through the IR, run it again and compare both with the reference outputs. Exit 1 when any test fails.
/// </summary>
public static class ConformanceCommand
{
    public static Command Create()
    {
        var root = new Argument<DirectoryInfo>("dir") { Description = "folder of test folders (model.onnx + test_data_set_0/)" };
        var json = new Option<FileInfo?>("--json") { Description = "write the full report as JSON to this file" };
        var filter = new Option<string?>("--filter") { Description = "only tests whose path contains this text (or matches this * ? glob)" };
        var subset = new Option<bool>("--subset") { Description = "every 10th test plus all tests with special flags (the `make test` subset)" };
        var optimized = new Option<bool>("--ort-optimize") { Description = "run ONNX Runtime with all its graph optimizations (default: none)" };
        var command = new Command("conformance", "Round-trip ONNX backend tests through the IR and check them with ONNX Runtime") { root, json, filter, subset, optimized };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var dir = parse.GetValue(root)!;
            if (!dir.Exists) throw new Onnxc.Ir.OnnxcException(Onnxc.Ir.DiagnosticIds.FileNotFound, $"folder '{dir.FullName}' does not exist");
            var options = new ConformanceOptions
            {
                Filter = parse.GetValue(filter),
                Subset = parse.GetValue(subset),
                OptimizationLevel = parse.GetValue(optimized) ? OrtOptimizationLevel.All : OrtOptimizationLevel.DisableAll,
            };
            var report = AnsiConsole.Status().Start("running conformance tests", _ => ConformanceHarness.Run(dir.FullName, options));
            Render(report);
            if (parse.GetValue(json) is { } file) report.WriteJson(file.FullName);
            return report.Failed == 0 ? ExitCodes.Ok : ExitCodes.VerificationFailed;
        }));
        return command;
    }

    private static void Render(ConformanceReport report)
    {
        var failures = report.Tests.Where(t => t.Outcome == ConformanceOutcome.Fail).ToList();
        if (failures.Count > 0)
        {
            var table = new Table().AddColumns("failed test", "reason");
            foreach (var f in failures) table.AddRow(Markup.Escape(f.Test), Markup.Escape(f.Reason ?? ""));
            AnsiConsole.Write(table);
        }
        var reasons = report.Tests.Where(t => t.Outcome == ConformanceOutcome.OrtCannotRun)
            .GroupBy(t => Shorten(t.Reason)).OrderByDescending(g => g.Count()).Take(8);
        var skipped = new Table().AddColumns("ort-cannot-run (top reasons)", "tests");
        foreach (var group in reasons) skipped.AddRow(Markup.Escape(group.Key), group.Count().ToString());
        AnsiConsole.Write(skipped);
        var summary = new Table().AddColumns("total", "pass", "ort-cannot-run", "fail", "bit-identical to original", "time");
        summary.AddRow(report.Total.ToString(), report.Passed.ToString(), report.OrtCannotRun.ToString(),
            report.Failed == 0 ? "0" : $"[red]{report.Failed}[/]", report.ExactMatches.ToString(), Formatting.Seconds(TimeSpan.FromMilliseconds(report.WallMs)));
        AnsiConsole.Write(summary);
    }

    private static string Shorten(string? reason)
    {
        // Paths differ per test; drop them so equal causes group together.
        var text = System.Text.RegularExpressions.Regex.Replace((reason ?? "unknown").ReplaceLineEndings(" "), "'[^']*/[^']*'", "MODEL");
        return text.Length <= 90 ? text : text[..90] + "…";
    }
}

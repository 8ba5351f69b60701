using System.CommandLine;
using System.Text.Json;
using Onnxc.Compiler.Cli;
using Onnxc.Conformance;
using Spectre.Console;

namespace Onnxc.Compiler.Commands;

/// <summary>
/// <c>onnxc evaluate MODEL --inputs X.npy --labels Y.npy --metric accuracy|cross-entropy [--baseline REF]</c>: the task
/// metric a lossy pass is judged by, optionally beside the metric of the original model.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "model to evaluate (one input; logits as first output)" };
        var inputs = new Option<FileInfo>("--inputs") { Description = "test inputs as one .npy, rows along the first axis", Required = true };
        var labels = new Option<FileInfo>("--labels") { Description = "int64 labels as one .npy: [rows] for classification, [rows, positions] for token prediction", Required = true };
        var metric = new Option<string>("--metric") { Description = "accuracy or cross-entropy", Required = true };
        metric.AcceptOnlyFromAmong("accuracy", "cross-entropy");
        var baseline = new Option<FileInfo?>("--baseline") { Description = "also evaluate this model (usually the original) and print the change" };
        var batch = new Option<int>("--batch") { Description = "rows per ONNX Runtime run", DefaultValueFactory = _ => 64 };
        var rows = new Option<int?>("--rows") { Description = "evaluate at most N rows" };
        var skip = new Option<int>("--skip") { Description = "start after the first N rows (e.g. rows used for calibration)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var command = new Command("evaluate", "Compute a task metric (accuracy, cross-entropy) of a model on a labelled test set")
        {
            model, inputs, labels, metric, baseline, batch, rows, skip, json,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var x = NpyFormat.Read(parse.GetValue(inputs)!.FullName);
            var y = NpyFormat.Read(parse.GetValue(labels)!.FullName);
            var kind = parse.GetValue(metric) == "accuracy" ? TaskMetric.Accuracy : TaskMetric.CrossEntropy;
            TaskEvaluation Run(FileInfo file) => TaskEvaluator.Evaluate(file.FullName, x, y, kind, parse.GetValue(batch), parse.GetValue(rows), parse.GetValue(skip));
            var candidate = Run(parse.GetValue(model)!);
            var reference = parse.GetValue(baseline) is { } b ? Run(b) : null;
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    metric = parse.GetValue(metric),
                    value = candidate.Value,
                    baseline = reference?.Value,
                    change = reference is null ? (double?)null : candidate.Value - reference.Value,
                    positions = candidate.Positions,
                }));
            }
            else
            {
                AnsiConsole.WriteLine($"{parse.GetValue(model)!.Name}: {candidate}");
                if (reference is not null)
                {
                    AnsiConsole.WriteLine($"{parse.GetValue(baseline)!.Name}: {reference}");
                    var change = candidate.Value - reference.Value;
                    AnsiConsole.WriteLine(kind == TaskMetric.Accuracy ? $"change: {change * 100:+0.00;-0.00} points" : $"change: {change:+0.0000;-0.0000} nats");
                }
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}

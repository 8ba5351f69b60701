using System.CommandLine;
using System.Text.Json;
using Onnxc.Backends.CustomOps;
using Onnxc.Backends.Onnx;
using Onnxc.Compiler.Cli;
using Onnxc.Ir;
using Spectre.Console;

namespace Onnxc.Compiler.Commands;

/// <summary><c>onnxc inspect MODEL [--json]</c>: interface, opsets, op histogram and parameters.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "ONNX model to describe" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of tables" };
        var command = new Command("inspect", "Describe a model: inputs, outputs, opsets, operators and parameters") { model, json };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            using var loaded = OnnxImporter.Load(parse.GetValue(model)!.FullName);
            var stats = ModelStatistics.Of(loaded);
            if (parse.GetValue(json)) Console.WriteLine(ToJson(loaded, stats));
            else Render(loaded, stats);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string ToJson(Model model, ModelStatistics stats) => JsonSerializer.Serialize(new
    {
        irVersion = model.IrVersion,
        producer = model.ProducerName,
        producerVersion = model.ProducerVersion,
        inputs = stats.Inputs.Select(v => new { name = v.Name, type = v.Type }),
        outputs = stats.Outputs.Select(v => new { name = v.Name, type = v.Type }),
        opsets = stats.Opsets.Select(o => new { domain = o.Domain.Length == 0 ? "ai.onnx" : o.Domain, version = o.Version }),
        nodes = stats.NodeCount,
        subgraphs = stats.SubgraphCount,
        functions = stats.FunctionCount,
        ops = stats.OpHistogram,
        parameters = new
        {
            count = stats.ParameterCount,
            bytes = stats.ParameterBytes,
            byType = stats.Parameters.ToDictionary(p => p.Key.ShortName(), p => new { elements = p.Value.Elements, bytes = p.Value.Bytes, tensors = p.Value.Tensors }),
        },
        externalData = stats.ExternalDataFiles,
        customOpLibrary = CustomOpLibrary.IsNeededBy(model) ? CustomOpLibrary.Path ?? "" : null,
    }, new JsonSerializerOptions { WriteIndented = true });

    private static void Render(Model model, ModelStatistics stats)
    {
        AnsiConsole.MarkupLine($"[bold]IR version[/] {model.IrVersion}   [bold]producer[/] {Markup.Escape(model.ProducerName)} {Markup.Escape(model.ProducerVersion)}");
        AnsiConsole.MarkupLine("[bold]opsets[/] " + Markup.Escape(string.Join(", ", stats.Opsets.Select(o => $"{(o.Domain.Length == 0 ? "ai.onnx" : o.Domain)} {o.Version}"))));

        var io = new Table().AddColumns("", "name", "type");
        foreach (var v in stats.Inputs) io.AddRow("input", Markup.Escape(v.Name), Markup.Escape(v.Type));
        foreach (var v in stats.Outputs) io.AddRow("output", Markup.Escape(v.Name), Markup.Escape(v.Type));
        AnsiConsole.Write(io);

        var ops = new Table().AddColumns("operator", "count");
        foreach (var op in stats.OpHistogram.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            ops.AddRow(Markup.Escape(op.Key), op.Value.ToString());
        }
        ops.Caption($"{stats.NodeCount} nodes, {stats.SubgraphCount} subgraphs, {stats.FunctionCount} functions");
        AnsiConsole.Write(ops);

        var parameters = new Table().AddColumns("type", "tensors", "elements", "bytes");
        foreach (var p in stats.Parameters) parameters.AddRow(p.Key.ShortName(), p.Value.Tensors.ToString(), Formatting.Count(p.Value.Elements), Formatting.Bytes(p.Value.Bytes));
        parameters.Caption($"{Formatting.Count(stats.ParameterCount)} parameters, {Formatting.Bytes(stats.ParameterBytes)}");
        AnsiConsole.Write(parameters);
        if (stats.ExternalDataFiles.Count > 0) AnsiConsole.MarkupLine("[bold]external data[/] " + Markup.Escape(string.Join(", ", stats.ExternalDataFiles)));
        if (CustomOpLibrary.IsNeededBy(model))
        {
            var library = CustomOpLibrary.Path ?? $"not found (run 'make native' or set {CustomOpLibrary.PathVariable})";
            AnsiConsole.MarkupLine($"[bold]custom ops[/] {CustomOpLibrary.Domain} needs " + Markup.Escape(library));
        }
    }
}

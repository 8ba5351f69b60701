using System.CommandLine;
using Onnxc.Backends.Onnx;
using Onnxc.Compiler.Cli;
using Onnxc.Ir;
using Onnxc.Samples;
using Spectre.Console;

namespace Onnxc.Compiler.Commands;

/// <summary><c>onnxc sample NAME -o OUT</c>: writes a bundled transformer-shaped model with seeded weights.</summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("name") { Description = "sample to write, e.g. bert-tiny or gpt2-base (omit to list them)", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "where to write the model" };
        var seed = new Option<int>("--seed") { Description = "seed of the random weights", DefaultValueFactory = _ => 0 };
        var opset = new Option<int>("--opset") { Description = "default-domain opset (11..21)", DefaultValueFactory = _ => 14 };
        var external = new Option<long?>("--external-data")
        {
            Description = $"store tensors of at least BYTES bytes in '<output>.data' (default {OptimizeCommand.DefaultExternalThreshold} when given without a value)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var unfolded = new Option<bool>("--no-constant-folding")
        {
            Description = "write it as torch.onnx.export(do_constant_folding=False) does: Linear weights read through a Transpose",
        };
        var modules = new Option<bool>("--module-functions")
        {
            Description = "write each layer as a call of a model-local function, as torch.onnx.export(export_modules_as_functions=...) does",
        };
        var command = new Command("sample", "Write a bundled sample model (BERT-, GPT-2-, Llama- or ViT-shaped)") { name, output, seed, opset, external, unfolded, modules };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            if (parse.GetValue(name) is not { } sample)
            {
                var table = new Table().AddColumns("sample", "parameters", "description");
                foreach (var entry in SampleModels.Catalogue)
                {
                    table.AddRow(entry.Name, Formatting.Count(SampleModels.ParameterCount(entry.Kind, entry.Size)), Markup.Escape(entry.Description));
                }
                AnsiConsole.Write(table);
                return ExitCodes.Ok;
            }
            var target = parse.GetValue(output) ?? throw new OnnxcException(DiagnosticIds.Usage, "missing --output", hint: "give the file to write with -o");
            using var model = SampleModels.Build(sample, parse.GetValue(seed), parse.GetValue(opset));
            if (parse.GetValue(unfolded)) UnfoldedExport.WithoutConstantFolding(model);
            if (parse.GetValue(modules)) ModuleFunctionExport.AsModuleFunctions(model);
            var threshold = parse.GetResult(external) is { } given ? given.GetValueOrDefault<long?>() ?? OptimizeCommand.DefaultExternalThreshold : (long?)null;
            OnnxExporter.Save(model, target.FullName, new ExportOptions { ExternalDataThreshold = threshold });
            var stats = ModelStatistics.Of(model);
            AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(target.FullName)}[/]: {sample}, {stats.NodeCount} nodes, {Formatting.Count(stats.ParameterCount)} parameters ({Formatting.Bytes(stats.ParameterBytes)})");
            return ExitCodes.Ok;
        }));
        return command;
    }
}

using System.CommandLine;
using System.Diagnostics;
using Onnxc.Backends.Onnx;
using Onnxc.Compiler.Cli;
using Onnxc.Compiler.Commands.Optimize;
using Onnxc.Ir;
using Onnxc.Ir.Text;
using Onnxc.Passes;
using Spectre.Console;

namespace Onnxc.Compiler.Commands;

/// <summary><c>onnxc optimize MODEL -o OUT [-O0|-O1|-O2] [--passes a,b] [--disable-passes c,d] [--external-data [BYTES]]</c>.</summary>
public static class OptimizeCommand
{
    /// <summary>Tensors of at least this many bytes go to the external data file when --external-data has no value.</summary>
    public const long DefaultExternalThreshold = 1024;

    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "ONNX model to optimize" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "where to write the optimized model", Required = true };
        var level = new Option<int>("-O") { Description = "optimization level: 0 none, 1 clean-up, 2 clean-up and fusions", DefaultValueFactory = _ => 2 };
        level.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 2) r.AddError("-O takes 0, 1 or 2");
        });
        var passes = new Option<string?>("--passes") { Description = "comma-separated passes to run instead of the -O pipeline (see 'onnxc passes')" };
        var disable = new Option<string?>("--disable-passes") { Description = "comma-separated passes to leave out of the pipeline (e.g. -O2 without pad-aliased-reductions)" };
        var external = new Option<long?>("--external-data")
        {
            Description = $"store tensors of at least BYTES bytes in '<output>.data' (default {DefaultExternalThreshold} when given without a value)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "print nothing but errors" };
        var explain = new Option<bool>("--explain") { Description = "print what each rule rewrote and, for near misses, why it did not apply" };
        var printAfter = new Option<string?>("--print-after") { Description = "print the graph in text form after this pass runs ('all' for every pass)" };
        var target = new Option<string>("--target")
        {
            Description = "operators the output may use: 'ort' (standard + contrib, portable) or 'ort+onnxc' (also onnxc's custom ops)",
            DefaultValueFactory = _ => "ort",
        };
        target.AcceptOnlyFromAmong("ort", "ort+onnxc");
        var command = new Command("optimize", "Optimize a model and write the result") { model, output, level, passes, disable, external, quiet, explain, printAfter, target };
        var quantize = new QuantizeOptions();
        quantize.AddTo(command);
        var sparsity = new SparsityOptions();
        sparsity.AddTo(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var input = parse.GetValue(model)!;
            var pipeline = parse.GetValue(passes) is { } names
                ? Pipelines.FromNames(names.Split(',', StringSplitOptions.RemoveEmptyEntries))
                : Pipelines.ForLevel(parse.GetValue(level));
            if (parse.GetValue(disable) is { } disabled) pipeline = Pipelines.Without(pipeline, disabled.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            pipeline = sparsity.Apply(parse, pipeline, input);
            var externalThreshold = parse.GetResult(external) is { } given ? given.GetValueOrDefault<long?>() ?? DefaultExternalThreshold : (long?)null;
            var settings = new OptimizeSettings(
                externalThreshold,
                parse.GetValue(quiet),
                parse.GetValue(printAfter),
                new PassContext { Explain = parse.GetValue(explain), Target = parse.GetValue(target) == "ort+onnxc" ? EmissionTarget.OrtWithOnnxcOps : EmissionTarget.Ort });
            int code = Optimize(input, parse.GetValue(output)!, quantize.Extend(parse, pipeline), settings);
            quantize.WriteReport(parse, input.FullName, parse.GetValue(output)!.FullName);
            return code;
        }));
        return command;
    }

    private sealed record OptimizeSettings(long? ExternalThreshold, bool Quiet, string? PrintAfter, PassContext Context);

    private static int Optimize(FileInfo input, FileInfo target, IReadOnlyList<PipelineStep> pipeline, OptimizeSettings settings)
    {
        bool quiet = settings.Quiet;
        var clock = Stopwatch.StartNew();
        using var model = OnnxImporter.Load(input.FullName);
        var loadTime = clock.Elapsed;
        var before = ModelStatistics.Of(model);

        var manager = new PassManager(pipeline)
        {
            AfterPass = settings.PrintAfter is { } wanted ? (run, m) => PrintAfter(run, m, wanted) : null,
            Verifier = PassVerification.FromEnvironment(),
        };
        var runs = manager.Run(model, settings.Context);
        var passTime = clock.Elapsed - loadTime;

        OnnxExporter.Save(model, target.FullName, new ExportOptions { ExternalDataThreshold = settings.ExternalThreshold });
        var total = clock.Elapsed;
        if (quiet) return ExitCodes.Ok;

        if (settings.Context.Explain)
        {
            foreach (var entry in settings.Context.Log) Console.WriteLine(entry);
        }
        var after = ModelStatistics.Of(model);
        var table = new Table().AddColumns("pass", "iteration", "result", "time");
        foreach (var run in runs.Where(r => r.Result.Changed || runs.Count(x => x.Pass == r.Pass) == 1))
        {
            table.AddRow(run.Pass, run.Iteration.ToString(), Markup.Escape(run.Result.ToString()), Formatting.Seconds(run.Elapsed));
        }
        if (runs.Count > 0) AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"nodes {before.NodeCount} -> {after.NodeCount}, parameters {Formatting.Bytes(before.ParameterBytes)} -> {Formatting.Bytes(after.ParameterBytes)}");
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(target.FullName)}[/] in {Formatting.Seconds(total)} (load {Formatting.Seconds(loadTime)}, passes {Formatting.Seconds(passTime)})");
        return ExitCodes.Ok;
    }

    private static void PrintAfter(PassRun run, Model model, string wanted)
    {
        if (wanted != "all" && wanted != run.Pass) return;
        Console.WriteLine($"// after {run.Pass} (iteration {run.Iteration}): {run.Result}");
        Console.WriteLine(IrPrinter.Print(model));
    }
}

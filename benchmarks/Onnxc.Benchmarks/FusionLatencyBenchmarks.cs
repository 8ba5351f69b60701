using BenchmarkDotNet.Attributes;
using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Samples;

namespace Onnxc.Benchmarks;

/// <summary>
/// ONNX Runtime CPU latency (ORT_ENABLE_ALL, 1 intra-op thread) of a model as exported and after onnxc -O2
/// (clean-up + norm/GELU/MatMul fusions), on one generated input (batch 1, sequence 128). The setup prints the
/// fused-op counts and the largest output difference between the two.
/// </summary>
[InProcess]
[MinIterationCount(15)]
[MaxIterationCount(40)]
public class FusionLatencyBenchmarks
{
    private static readonly string[] FusedOps =
    {
        "LayerNormalization", "SimplifiedLayerNormalization", "SkipLayerNormalization", "SkipSimplifiedLayerNormalization",
        "Gelu", "FastGelu", "BiasGelu", "QuickGelu", "Gemm",
    };

    private string _folder = "";
    private OrtRunner? _original;
    private OrtRunner? _optimized;
    private InputSample? _input;

    [Params("vit-mnist", "chargpt-fortunes", "bert-base", "gpt2-base")]
    public string Model { get; set; } = "vit-mnist";

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("onnxc-fusion-bench-").FullName;
        var original = SourceFile();
        var optimized = Path.Combine(_folder, "o2.onnx");
        using (var model = OnnxImporter.Load(original))
        {
            var before = Histogram(model);
            new PassManager(Pipelines.ForLevel(2)).Run(model);
            Console.WriteLine($"// {Model}: fused ops before {before}; after -O2 {Histogram(model)}");
            OnnxExporter.Save(model, optimized, new ExportOptions { ExternalDataThreshold = 1024 });
        }
        var options = new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All, IntraOpThreads = 1 };
        _original = new OrtRunner(original, options);
        _optimized = new OrtRunner(optimized, options);
        var dims = new Dictionary<string, long> { ["batch"] = 1, ["sequence"] = 128 };
        // Integer inputs in [0, 2): valid token ids and token type ids for every model here; latency does not depend on them.
        _input = InputGenerator.Generate(_original.Inputs, 1, 0, dims, new GeneratorOptions { DefaultIntegerUpperBound = 2 })[0];
        var report = ModelVerifier.Verify(original, optimized, new VerifyOptions { Samples = 3, Dims = dims, Runner = options, Tolerance = new Tolerance("fp32-fusion", 1e-4, 1e-4) });
        foreach (var output in report.Outputs) Console.WriteLine($"// {Model} {output.Name}: max abs error {output.MaxAbsError:G3} (passed: {output.Passed})");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _original?.Dispose();
        _optimized?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "as exported")]
    public int Original() => _original!.Run(_input!).Count;

    [Benchmark(Description = "onnxc -O2")]
    public int Optimized() => _optimized!.Run(_input!).Count;

    /// <summary>The real model's file, or the sample exported (weights as external data) into the temp folder.</summary>
    private string SourceFile()
    {
        if (SampleModels.Catalogue.Any(e => e.Name == Model))
        {
            var path = Path.Combine(_folder, Model + ".onnx");
            using var sample = SampleModels.Build(Model);
            OnnxExporter.Save(sample, path, new ExportOptions { ExternalDataThreshold = 1024 });
            return path;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "models", Model, "model.onnx");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"shared/models/{Model}/model.onnx not found above {AppContext.BaseDirectory}");
    }

    private static string Histogram(Model model) => string.Join(", ", FusedOps
        .Select(op => (op, count: GraphWalk.AllGraphs(model).Sum(g => g.Nodes.Count(n => n.OpType == op))))
        .Where(c => c.count > 0)
        .Select(c => $"{c.op} {c.count}"));
}

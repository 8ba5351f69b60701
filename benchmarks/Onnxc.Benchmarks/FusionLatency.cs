using System.Diagnostics;
using System.Globalization;
using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Samples;

namespace Onnxc.Benchmarks;

/// <summary>
/// Issue 4's measurement: ONNX Runtime CPU latency and session-creation time of each model as exported and after
/// <c>onnxc optimize -O2</c>, both sessions at ORT_ENABLE_ALL, with 1 and 2 intra-op threads; plus the fused
/// contrib-op counts and the -O2 compile time. Console mode (<c>fusion-latency [model ...]</c>) rather than
/// BenchmarkDotNet: one sample of ORT's run is milliseconds to seconds, and a median of a fixed count after warm-up is
/// what the goal (optimized ≤ 0.9 × original) is stated in.
/// </summary>
public static class FusionLatency
{
    private const int WarmUp = 3;
    private const int Runs = 15;
    private const int Sessions = 3;

    /// <summary>A model to measure: a sample name or a shared model path, and the symbolic dims to run it with.</summary>
    public sealed record Subject(string Name, Func<string, string> Materialize, IReadOnlyDictionary<string, long> Dims);

    public static int Run(string[] args)
    {
        var folder = Directory.CreateTempSubdirectory("onnxc-fusion-latency-").FullName;
        var wanted = args.Length > 0 ? args.ToHashSet(StringComparer.Ordinal) : null;
        try
        {
            Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {Load()}");
            Console.WriteLine("| model | threads | original median ms | -O2 median ms | ratio | ≤ 0.9? | ratio of minimums | session original ms | session -O2 ms | load avg |");
            Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            var facts = new List<string>();
            foreach (var subject in Subjects().Where(s => wanted is null || wanted.Contains(s.Name)))
            {
                var original = subject.Materialize(folder);
                var optimized = Path.Combine(folder, subject.Name + ".O2.onnx");
                facts.Add(Optimize(subject.Name, original, optimized));
                facts.Add($"{subject.Name}: ORT_ENABLE_ALL's own fusions: original {OrtFusions(original, folder)}; -O2 {OrtFusions(optimized, folder)}");
                foreach (int threads in new[] { 1, 2 })
                {
                    var (a, b) = MeasurePair(original, optimized, subject.Dims, threads);
                    double ratio = b.Median / a.Median;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {subject.Name} | {threads} | {a.Median:F2} | {b.Median:F2} | {ratio:F3} | {(ratio <= 0.9 ? "yes" : "no")} | {b.Minimum / a.Minimum:F3} | {a.Session:F0} | {b.Session:F0} | {Load()} |"));
                }
                foreach (var f in Directory.EnumerateFiles(folder)) File.Delete(f);
            }
            Console.WriteLine();
            foreach (var line in facts) Console.WriteLine(line);
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static IEnumerable<Subject> Subjects()
    {
        var text = new Dictionary<string, long> { ["batch"] = 1, ["sequence"] = 128 };
        yield return new Subject("bert-base", f => Sample("bert-base", f), text);
        yield return new Subject("gpt2-base", f => Sample("gpt2-base", f), text);
        yield return new Subject("vit-base", f => Sample("vit-base", f), new Dictionary<string, long> { ["batch"] = 1 });
        // Llama with rotary caches gathered at Range positions, and as HF transformers >= 4.38 export it: cos/sin
        // computed at run time from inv_freq and position_ids (no cache).
        yield return new Subject("llama-base", f => Sample("llama-base", f), text);
        yield return new Subject("llama-base-computed-rotary", f => Save(LlamaBuilder.Build(LlamaConfig.Small, positionIdsInput: true, computedRotary: true), "llama-base-computed-rotary", f), text);
        // As torch.onnx.export writes them with do_constant_folding=False: every Linear reads its weight through a
        // Transpose (GPT-2's tied LM head reads the embedding table through one).
        yield return new Subject("bert-base-unfolded", f => Save(UnfoldedExport.WithoutConstantFolding(SampleModels.Build("bert-base")), "bert-base-unfolded", f), text);
        // BERT-base with DistilBERT's attention (q / sqrt(d), masked_fill padding).
        yield return new Subject("bert-base-masked-fill", f => Save(BertBuilder.Build(BertConfig.BertBase, maskedFill: true), "bert-base-masked-fill", f), text);
        // With export_modules_as_functions: each layer a call of a model-local function (ORT runs the calls itself).
        yield return new Subject("bert-base-modules", f => Save(ModuleFunctionExport.AsModuleFunctions(SampleModels.Build("bert-base")), "bert-base-modules", f), text);
        yield return new Subject("gpt2-base-unfolded", f => Save(UnfoldedExport.WithoutConstantFolding(SampleModels.Build("gpt2-base")), "gpt2-base-unfolded", f), text);
        // Short sequences, where the GEMMs shrink and the per-op overhead the fusions remove weighs more.
        var shortText = new Dictionary<string, long> { ["batch"] = 1, ["sequence"] = 32 };
        yield return new Subject("bert-base-s32", f => Sample("bert-base", f), shortText);
        yield return new Subject("gpt2-base-s32", f => Sample("gpt2-base", f), shortText);
        // The autoregressive case: one decode step over a 127-token cache, where per-node overhead weighs most, and
        // the prefill that fills the cache.
        yield return new Subject("gpt2-base-past-decode", f => Sample("gpt2-base-past", f), PastDims(sequence: 1, past: 127));
        yield return new Subject("gpt2-base-past-prefill", f => Sample("gpt2-base-past", f), PastDims(sequence: 128, past: 0));
        // The same step on gpt2-tiny-past (1 MB of weights, in cache): what is left when weight streaming is not the cost.
        yield return new Subject("gpt2-tiny-past-decode", f => Sample("gpt2-tiny-past", f), PastDims(sequence: 1, past: 127));
        yield return new Subject("vit-mnist", _ => Shared("vit-mnist"), new Dictionary<string, long> { ["batch"] = 1 });
        yield return new Subject("chargpt-fortunes", _ => Shared("chargpt-fortunes"), text);
        // PP-OCRv4 rec (Paddle2ONNX) on its reference input's shape: one 48 × 320 text line.
        yield return new Subject("ppocrv4-rec", _ => Shared("ppocrv4-rec", "ch_PP-OCRv4_rec_infer.onnx"),
            new Dictionary<string, long> { ["p2o.DynamicDimension.0"] = 1, ["p2o.DynamicDimension.1"] = 320 });
    }

    private static Dictionary<string, long> PastDims(long sequence, long past) => new()
    {
        [Gpt2PastBuilder.Batch] = 1,
        [Gpt2PastBuilder.Sequence] = sequence,
        [Gpt2PastBuilder.Past] = past,
        [Gpt2PastBuilder.Total] = past + sequence,
    };

    private static string Sample(string name, string folder) => Save(SampleModels.Build(name), name, folder);

    private static string Save(Model model, string name, string folder)
    {
        using (model)
        {
            var path = Path.Combine(folder, name + ".onnx");
            OnnxExporter.Save(model, path);
            return path;
        }
    }

    private static string Shared(string name, string file = "model.onnx")
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "models", name, file);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"shared model '{name}' not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs -O2 as the CLI does (import, passes, export), returning the compile time and fused-op counts.</summary>
    private static string Optimize(string name, string source, string target)
    {
        var total = Stopwatch.StartNew();
        using var model = OnnxImporter.Load(source);
        int before = model.Graph.NodeCount;
        var passes = Stopwatch.StartNew();
        new PassManager(Pipelines.ForLevel(2)).Run(model, new PassContext());
        passes.Stop();
        OnnxExporter.Save(model, target);
        total.Stop();
        // Fusion products: contrib ops, and the standard LayerNormalization that fuse-layer-norm makes.
        var fused = model.Graph.Nodes.Where(n => n.Domain == "com.microsoft" || n.OpType.EndsWith("LayerNormalization", StringComparison.Ordinal))
            .GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} {g.Count()}");
        return string.Create(CultureInfo.InvariantCulture,
            $"{name}: nodes {before} -> {model.Graph.NodeCount}; fused {string.Join(", ", fused)}; -O2 compile {total.Elapsed.TotalSeconds:F2} s (passes {passes.Elapsed.TotalSeconds:F2} s)");
    }

    /// <summary>The contrib ops in the graph ORT itself builds at ORT_ENABLE_ALL (what -O2 competes with).</summary>
    private static string OrtFusions(string path, string folder)
    {
        var saved = Path.Combine(folder, "ort-optimized.onnx");
        using (new OrtRunner(path, new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All, OptimizedModelPath = saved }))
        {
        }
        using var model = OnnxImporter.Load(saved);
        var ops = model.Graph.Nodes.Where(n => n.Domain == "com.microsoft" || n.OpType.EndsWith("LayerNormalization", StringComparison.Ordinal))
            .GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        return $"{model.Graph.NodeCount} nodes ({string.Join(", ", ops)})";
    }

    /// <summary>Median and fastest run (the fastest is the least disturbed by other tenants of a shared machine), session creation.</summary>
    private readonly record struct Timing(double Median, double Minimum, double Session);

    /// <summary>
    /// Creates each session <see cref="Sessions"/> times (median kept), then times single runs of the two models in
    /// alternation, so load changes on the shared machine hit both alike; at least <see cref="Runs"/> runs each and,
    /// for fast models, as many as fit in about two seconds.
    /// </summary>
    private static (Timing Original, Timing Optimized) MeasurePair(string original, string optimized, IReadOnlyDictionary<string, long> dims, int threads)
    {
        var options = new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All, IntraOpThreads = threads };
        var (a, sessionA, b, sessionB) = OpenPair(original, optimized, options);
        using (a)
        using (b)
        {
            var generator = new GeneratorOptions
            {
                IntegerUpperBounds = new Dictionary<string, long> { ["token_type_ids"] = 2, ["attention_mask"] = 2, ["position_ids"] = dims.GetValueOrDefault("sequence", 1) },
            };
            var feed = InputGenerator.Generate(a.Inputs, 1, seed: 0, dims, generator)[0];
            for (int i = 0; i < WarmUp; i++)
            {
                a.Run(feed);
                b.Run(feed);
            }
            var (runsA, runsB) = (new List<double>(), new List<double>());
            var budget = Stopwatch.StartNew();
            while (runsA.Count < Runs || (budget.Elapsed.TotalSeconds < 2 && runsA.Count < 500))
            {
                runsA.Add(Time(() => a.Run(feed)));
                runsB.Add(Time(() => b.Run(feed)));
            }
            return (new Timing(Median(runsA), runsA.Min(), sessionA), new Timing(Median(runsB), runsB.Min(), sessionB));
        }
    }

    /// <summary>
    /// Creates the two sessions <see cref="Sessions"/> times each in alternation (medians kept) and returns the last
    /// of each. Alternating matters: creating all of one model's sessions while the other's is alive charged the
    /// second model for the first one's memory (gpt2-base's -O2 looked 50 % slower to create; it is not).
    /// </summary>
    private static (OrtRunner A, double SessionA, OrtRunner B, double SessionB) OpenPair(string pathA, string pathB, OrtRunnerOptions options)
    {
        var (timesA, timesB) = (new List<double>(), new List<double>());
        OrtRunner? a = null, b = null;
        for (int i = 0; i < Sessions; i++)
        {
            a?.Dispose();
            a = null;
            timesA.Add(Time(() => a = new OrtRunner(pathA, options)));
            b?.Dispose();
            b = null;
            timesB.Add(Time(() => b = new OrtRunner(pathB, options)));
        }
        return (a!, Median(timesA), b!, Median(timesB));
    }

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}

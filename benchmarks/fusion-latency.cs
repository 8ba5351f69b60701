// Interleaved ONNX Runtime CPU latency of a model as exported vs after onnxc -O2 (or -O1 + the passes named in
// the third argument), both under ORT_ENABLE_ALL with 1 thread; also prints the op histogram of what ORT itself
// makes of each. Interleaving the runs keeps a shared, loaded machine's drift out of the ratio.
//   dotnet run benchmarks/fusion-latency.cs -- <model.onnx | sample name> [runs] [pass,pass,...]
#:package Microsoft.ML.OnnxRuntime@1.31.1
#:project ../Passes/Onnxc.Passes.csproj
#:project ../samples/Onnxc.Samples.csproj
#:project ../Backends/Onnx/Onnxc.Backends.Onnx.csproj
#:property TreatWarningsAsErrors=false
#:property Nullable=disable
using Microsoft.ML.OnnxRuntime;
using Onnxc.Backends.Onnx;
using Onnxc.Passes;

var dir = Directory.CreateTempSubdirectory("fn-dump-").FullName;
var src = args[0];
if (!File.Exists(src))
{
    src = Path.Combine(dir, args[0] + ".onnx");
    using var sample = Onnxc.Samples.SampleModels.Build(args[0]);
    OnnxExporter.Save(sample, src, new ExportOptions { ExternalDataThreshold = 1024 });
}
var o2 = Path.Combine(dir, "o2.onnx");
using (var m = OnnxImporter.Load(src))
{
    var steps = args.Length > 2 ? Pipelines.ForLevel(1).Concat(Pipelines.FromNames(args[2].Split(','))).Concat(Pipelines.ForLevel(1)).ToList() : Pipelines.ForLevel(2);
    new PassManager(steps).Run(m);
    OnnxExporter.Save(m, o2);
}
foreach (var (name, path) in new[] { ("orig", src), ("o2", o2) })
{
    var opt = Path.Combine(dir, name + ".ort.onnx");
    using var so = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = opt, IntraOpNumThreads = 1 };
    using (var s = new InferenceSession(path, so)) { }
    using var model = OnnxImporter.Load(opt);
    var hist = GraphWalk.AllGraphs(model).SelectMany(g => g.Nodes).GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}");
    Console.WriteLine($"{name}: {model.Graph.NodeCount} nodes: {string.Join(", ", hist)}");
}

// Interleaved timing: both sessions, ORT_ENABLE_ALL, 1 thread, same input; medians of N alternating runs.
if (args.Length > 1)
{
    int n = int.Parse(args[1]);
    var sessions = new[] { src, o2 }.Select(p => new InferenceSession(p, new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1, InterOpNumThreads = 1 })).ToArray();
    var feeds = sessions[0].InputMetadata.Select(kv =>
    {
        var dims = kv.Value.Dimensions.Select((d, i) => d > 0 ? d : (i == 0 ? 1 : 128)).ToArray();
        long count = dims.Aggregate(1L, (a, b) => a * b);
        var rnd = new Random(0);
        return kv.Value.ElementType == typeof(long)
            ? NamedOnnxValue.CreateFromTensor(kv.Key, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(Enumerable.Range(0, (int)count).Select(_ => (long)rnd.Next(2)).ToArray(), dims))
            : NamedOnnxValue.CreateFromTensor(kv.Key, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(Enumerable.Range(0, (int)count).Select(_ => (float)rnd.NextDouble()).ToArray(), dims));
    }).ToList();
    var times = new[] { new List<double>(), new List<double>() };
    for (int i = 0; i < n + 5; i++)
    {
        for (int s = 0; s < 2; s++)
        {
            var t = System.Diagnostics.Stopwatch.GetTimestamp();
            using (var r = sessions[s].Run(feeds)) { }
            if (i >= 5) times[s].Add(System.Diagnostics.Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
    }
    double Median(List<double> l) { var o = l.Order().ToList(); return o[o.Count / 2]; }
    Console.WriteLine($"latency median of {n} interleaved runs: original {Median(times[0]):F3} ms, -O2 {Median(times[1]):F3} ms, ratio {Median(times[1]) / Median(times[0]):F3}");
}

using System.Globalization;
using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;

namespace Onnxc.Benchmarks;

/// <summary>
/// <c>reduction-stride [--m M] [--threads N] [K ...]</c>: the measurement behind pad-aliased-reductions. For each K,
/// an FFN x[M, 768] · W1[768, K] · W2[K, 768] is run by ORT (ORT_ENABLE_ALL) with K as given and with K + 16, and
/// ORT's profiler gives the second MatMul's kernel time: the one whose activation rows are K floats apart.
/// </summary>
public static class ReductionStride
{
    private const int Hidden = 768, WarmUp = 3, Runs = 15;

    public static int Run(string[] args)
    {
        int m = 128, threads = 1;
        var widths = new List<int>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--m") m = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--threads") threads = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else widths.Add(int.Parse(args[i], CultureInfo.InvariantCulture));
        }
        if (widths.Count == 0) widths.AddRange(new[] { 1024, 1536, 2048, 3072, 4096 });
        var folder = Directory.CreateTempSubdirectory("onnxc-reduction-stride-").FullName;
        try
        {
            Console.WriteLine($"# M = {m}, N = {Hidden}, {threads} thread(s), load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            Console.WriteLine("| K | row stride | down-projection ms (K) | ms (K + 16) | K / (K + 16) |");
            Console.WriteLine("| --- | --- | --- | --- | --- |");
            foreach (int k in widths)
            {
                double plain = DownProjection(folder, m, k, threads), padded = DownProjection(folder, m, k + 16, threads);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {k} | {k * 4 / 1024.0:0.##} KiB | {plain:F3} | {padded:F3} | {plain / padded:F2} |"));
            }
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Median kernel time of the FFN's second MatMul over <see cref="Runs"/> runs.</summary>
    private static double DownProjection(string folder, int m, int k, int threads)
    {
        var path = Path.Combine(folder, $"ffn{k}.onnx");
        using (var model = Ffn(m, k)) OnnxExporter.Save(model, path);
        var options = new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All, IntraOpThreads = threads, ProfilePrefix = Path.Combine(folder, "trace") };
        var x = new float[m * Hidden];
        var random = new Random(2);
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        var feed = new Dictionary<string, RuntimeValue?> { ["x"] = Tensor.FromArray(x, m, Hidden) };
        string trace;
        using (var runner = new OrtRunner(path, options))
        {
            for (int i = 0; i < WarmUp + Runs; i++) runner.Run(feed);
            trace = runner.EndProfiling();
        }
        var times = OpProfile.Read(trace).Kernels.Where(e => e.Node == "down").Skip(WarmUp).Select(e => e.Duration / 1000).Order().ToList();
        File.Delete(trace);
        return times[times.Count / 2];
    }

    private static Model Ffn(int m, int k)
    {
        var graph = new Graph("ffn");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(m, Hidden))));
        var h = graph.Append("MatMul", new[] { x, Weight(graph, "w1", Hidden, k, 1) }, name: "up", outputHint: "h").Output(0);
        graph.AddOutput(graph.Append("MatMul", new[] { h, Weight(graph, "w2", k, Hidden, 2) }, name: "down", outputHint: "y").Output(0));
        var model = new Model(graph) { IrVersion = 8 };
        model.EnsureOpset("", 14);
        return model;
    }

    private static Value Weight(Graph graph, string name, int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var data = new float[rows * columns];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() - 0.5) * 0.05f;
        return graph.AddInitializer(name, Tensor.FromArray(data, rows, columns));
    }
}

using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Onnxc.Backends.CustomOps;
using Onnxc.Backends.Onnx;
using Onnxc.Ir;
using Onnxc.Passes.Sparsity;

namespace Onnxc.Benchmarks;

/// <summary>
/// Issue 6's kernel measurement: com.onnxc SparseMatMul24 against ORT's dense MatMul (MLAS, weight pre-packed) on the
/// BERT-base/GPT-2 GEMM shapes, each as a one-node model with a constant weight, 1 and 2 intra-op threads. Both models
/// hold the same 2:4 weight (dense: decompressed), so the outputs must agree; the runs alternate so that load changes
/// on the shared machine hit both alike. With <c>--gelu</c> both apply GELU (dense: com.microsoft Gelu after the MatMul,
/// sparse: the fused epilogue). Console mode (<c>sparse24-kernel [M,K,N ...] [--type f32|f16] [--gelu]</c>) rather
/// than BenchmarkDotNet: a run is microseconds to milliseconds and the figure wanted is the median ratio.
/// </summary>
public static class SparseKernelLatency
{
    private const int WarmUp = 10;
    private const int MinRuns = 30;
    private const double BudgetSeconds = 1.5;

    public static int Run(string[] args)
    {
        var type = DataType.Float;
        bool gelu = false;
        var shapes = new List<(int M, int K, int N)>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--type") type = args[++i] == "f16" ? DataType.Float16 : DataType.Float;
            else if (args[i] == "--gelu") gelu = true;
            else shapes.Add(ParseShape(args[i]));
        }
        if (shapes.Count == 0)
        {
            foreach (int m in new[] { 1, 16, 128 })
            {
                foreach (var (k, n) in new[] { (768, 768), (768, 3072), (3072, 768) }) shapes.Add((m, k, n));
            }
        }
        var folder = Directory.CreateTempSubdirectory("onnxc-sparse24-kernel-").FullName;
        try
        {
            Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {type.ShortName()}{(gelu ? ", GELU" : "")}, library {CustomOpLibrary.Require()}");
            Console.WriteLine("| M | K | N | threads | dense MatMul µs | SparseMatMul24 µs | sparse/dense | max abs diff | load avg |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
            foreach (var (m, k, n) in shapes)
            {
                var (dense, sparse) = WriteModels(folder, m, k, n, type, gelu);
                foreach (int threads in new[] { 1, 2 })
                {
                    var (denseUs, sparseUs, diff) = MeasurePair(dense, sparse, m, k, type, threads);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {m} | {k} | {n} | {threads} | {denseUs:F1} | {sparseUs:F1} | {sparseUs / denseUs:F2} | {diff:G2} | {Load()} |"));
                }
            }
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (int, int, int) ParseShape(string text)
    {
        var parts = text.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        if (parts.Length != 3) throw new ArgumentException($"shape '{text}' is not M,K,N");
        return (parts[0], parts[1], parts[2]);
    }

    /// <summary>A random 2:4 weight as rows [N, K], the dense [K, N] MatMul model of it and the SparseMatMul24 model.</summary>
    private static (string Dense, string Sparse) WriteModels(string folder, int m, int k, int n, DataType type, bool gelu)
    {
        var random = new Random(k * 31 + n);
        var rows = new float[n * k];
        for (int i = 0; i < rows.Length; i++) rows[i] = (float)(random.NextDouble() * 2 - 1);
        MagnitudePruning.Prune(rows, k);
        var weight = new float[k * n];
        for (int j = 0; j < n; j++)
        {
            for (int p = 0; p < k; p++) weight[p * n + j] = rows[j * k + p];
        }
        var (values, meta) = Sparse24Format.Compress(rows, n, k);

        var dense = Path.Combine(folder, $"dense-{m}-{k}-{n}.onnx");
        Save(dense, m, k, n, type, g =>
        {
            var matmul = g.Append("MatMul", new[] { g.Inputs[0], g.AddInitializer("w", Typed(weight, type, k, n)) });
            return gelu ? g.Append("Gelu", new[] { matmul.Output() }, domain: "com.microsoft") : matmul;
        });
        var sparse = Path.Combine(folder, $"sparse-{m}-{k}-{n}.onnx");
        Save(sparse, m, k, n, type, g => g.Append("SparseMatMul24",
            new[] { g.Inputs[0], g.AddInitializer("values", Typed(values, type, n, k / 2)), g.AddInitializer("meta", Tensor.FromArray(meta, n, Sparse24Format.MetaBytesPerRow(k))) },
            domain: CustomOpLibrary.Domain, attributes: new[] { new Ir.Attribute("activation", AttributeKind.String, gelu ? "gelu" : "none") }));
        return (dense, sparse);
    }

    private static Tensor Typed(float[] values, DataType type, params long[] dims) =>
        type == DataType.Float ? Tensor.FromArray(values, dims) : Tensor.FromArray(values.Select(v => (Half)v).ToArray(), dims);

    private static void Save(string path, int m, int k, int n, DataType type, Func<Graph, Node> body)
    {
        var graph = new Graph("kernel");
        graph.AddInput(new Value("a", new TensorType(type, Shape.Of(m, k))));
        var y = body(graph).Output();
        y.Type = new TensorType(type, Shape.Of(m, n));
        graph.AddOutput(y);
        using var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        model.OpsetImports.Add(new OpsetImport(CustomOpLibrary.Domain, 1));
        model.OpsetImports.Add(new OpsetImport("com.microsoft", 1));
        OnnxExporter.Save(model, path);
    }

    /// <summary>Median microseconds of the two models' runs (alternating) and the largest output difference.</summary>
    private static (double Dense, double Sparse, double MaxDiff) MeasurePair(string densePath, string sparsePath, int m, int k, DataType type, int threads)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        options.RegisterOnnxcOps();
        using var dense = new InferenceSession(densePath, options);
        using var sparse = new InferenceSession(sparsePath, options);
        var random = new Random(m + k);
        var input = Enumerable.Range(0, m * k).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        using var a = type == DataType.Float
            ? OrtValue.CreateTensorValueFromMemory(input, new long[] { m, k })
            : OrtValue.CreateTensorValueFromMemory(input.Select(v => new Float16(BitConverter.HalfToUInt16Bits((Half)v))).ToArray(), new long[] { m, k });
        using var run = new RunOptions();
        string[] inputNames = { "a" };
        double maxDiff = 0;
        var (timesDense, timesSparse) = (new List<double>(), new List<double>());
        float[]? reference = null;
        for (int i = 0; ; i++)
        {
            if (i >= WarmUp + MinRuns && (timesDense.Sum() + timesSparse.Sum()) / 1e6 > BudgetSeconds) break;
            foreach (var (session, times) in new[] { (dense, timesDense), (sparse, timesSparse) })
            {
                var clock = Stopwatch.StartNew();
                using var outputs = session.Run(run, inputNames, new[] { a }, session.OutputNames);
                double us = clock.Elapsed.TotalMicroseconds;
                if (i >= WarmUp) times.Add(us);
                if (i != 0) continue;
                var y = type == DataType.Float ? outputs[0].GetTensorDataAsSpan<float>().ToArray() : outputs[0].GetTensorDataAsSpan<Float16>().ToArray().Select(h => (float)BitConverter.UInt16BitsToHalf(h.value)).ToArray();
                if (reference is null) reference = y;
                else maxDiff = reference.Zip(y, (p, q) => Math.Abs(p - q)).Max();
            }
        }
        return (Median(timesDense), Median(timesSparse), maxDiff);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}

using System.Diagnostics;
using Onnxc.Backends.Onnx;
using Onnxc.Ir;

namespace Onnxc.Tests.OnnxIo;

/// <summary>
/// A BERT-base-sized model (110M float parameters in external data) through import and export. Explicit: it writes
/// about 900 MB to the temp folder. Timing and memory are printed, not asserted (benchmarks own those numbers).
/// </summary>
public sealed class LargeModelSanityTests
{
    [Fact(Explicit = true)]
    public void Bert_sized_external_model_imports_and_exports()
    {
        var dir = Directory.CreateTempSubdirectory("onnxc-big-");
        try
        {
            var source = Path.Combine(dir.FullName, "src", "model.onnx");
            Directory.CreateDirectory(Path.GetDirectoryName(source)!);
            WriteBertSizedModel(source);
            var weightBytes = new FileInfo(source + ".data").Length;

            var clock = Stopwatch.StartNew();
            var before = Environment.WorkingSet;
            using (var model = OnnxImporter.Load(source))
            {
                var imported = clock.Elapsed;
                var target = Path.Combine(dir.FullName, "out", "model.onnx");
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                OnnxExporter.Save(model, target, new ExportOptions { ExternalDataThreshold = 1024 });
                clock.Stop();
                var peak = Process.GetCurrentProcess().PeakWorkingSet64;
                var report = $"weights {weightBytes / 1e6:F0} MB: import {imported.TotalMilliseconds:F0} ms, import+export {clock.Elapsed.TotalMilliseconds:F0} ms, peak working set {peak / 1e6:F0} MB (start {before / 1e6:F0} MB)";
                TestContext.Current.TestOutputHelper!.WriteLine(report);
                File.WriteAllText(Path.Combine(Path.GetTempPath(), "onnxc-large-model-sanity.txt"), report);
                Assert.Equal(weightBytes, new FileInfo(target + ".data").Length);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>12 layers of BERT-base weight shapes plus embeddings, written through the exporter itself.</summary>
    private static void WriteBertSizedModel(string path)
    {
        var graph = new Graph("bert");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(1, 768))));
        var current = x;
        var shapes = new List<long[]> { new long[] { 30522, 768 }, new long[] { 512, 768 } };
        for (int layer = 0; layer < 12; layer++)
        {
            shapes.AddRange(new[] { new long[] { 768, 768 }, new long[] { 768, 768 }, new long[] { 768, 768 }, new long[] { 768, 768 }, new long[] { 768, 3072 }, new long[] { 3072, 768 } });
        }
        int i = 0;
        foreach (var dims in shapes)
        {
            long count = dims[0] * dims[1];
            int seed = i;
            var w = graph.AddInitializer($"w{i++}", new LazyTensor(DataType.Float, dims, () =>
            {
                var data = new float[count];
                new Random(seed).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
                return System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
            }));
            current = graph.Append("Add", new[] { current, w }).Output();
        }
        graph.AddOutput(current);
        using var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        OnnxExporter.Save(model, path, new ExportOptions { ExternalDataThreshold = 1024 });
    }
}

using BenchmarkDotNet.Attributes;
using Onnxc.Backends.Onnx;
using Onnxc.Samples;

namespace Onnxc.Benchmarks;

/// <summary>
/// Import + export of a BERT-base-sized model (110M parameters, weights in external data), the round trip every
/// `onnxc optimize` pays. Goal (issue 3): under 2 s. Peak memory is measured out of process by scripts/bench.sh.
/// </summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
public class ImportExportBenchmarks
{
    private string _folder = "";
    private string _model = "";
    private string _output = "";

    [Params("bert-base")]
    public string Sample { get; set; } = "bert-base";

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "onnxc-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(_folder);
        _model = Path.Combine(_folder, Sample + ".onnx");
        _output = Path.Combine(_folder, Sample + ".out.onnx");
        using var model = SampleModels.Build(Sample);
        OnnxExporter.Save(model, _model, new ExportOptions { ExternalDataThreshold = 1024 });
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Description = "import only (memory-mapped external data)")]
    public int Import()
    {
        using var model = OnnxImporter.Load(_model);
        return model.Graph.NodeCount;
    }

    [Benchmark(Description = "import + export (external data)")]
    public void ImportExport()
    {
        using var model = OnnxImporter.Load(_model);
        OnnxExporter.Save(model, _output, new ExportOptions { ExternalDataThreshold = 1024 });
    }
}

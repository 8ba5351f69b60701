using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes.Quantization.Int8;
using Onnxc.Passes.Quantization.Mixed;

namespace Onnxc.Compiler.Quantization;

/// <summary>
/// Runs the in-memory model in ONNX Runtime on fixed samples (an exported temporary copy per call). Also captures
/// activation histograms for static int8. A stopgap until the shared calibration service is merged: it follows that
/// service's approach (extra outputs on an exported copy) and should be replaced by it.
/// </summary>
public sealed class OrtModelEvaluator(IReadOnlyList<IReadOnlyDictionary<string, RuntimeValue?>> samples, OrtOptimizationLevel level = OrtOptimizationLevel.Basic) : IModelEvaluator
{
    private const string CapturePrefix = "__onnxc_range_";

    public IReadOnlyList<IReadOnlyDictionary<string, RuntimeValue?>> Samples => samples;

    public IReadOnlyList<float[]> Run(Model model) => RunAll(model, r => r.Select(v => v.Value).OfType<TensorValue>()
        .Where(t => t.Tensor.ElementType == DataType.Float).SelectMany(t => t.Tensor.ToArray<float>()).ToArray());

    /// <summary>Histograms of the named main-graph values over all samples (graph inputs read from the samples).</summary>
    public IReadOnlyDictionary<string, SymmetricHistogram> CollectHistograms(Model model, IReadOnlyCollection<string> valueNames)
    {
        var graph = model.Graph;
        var histograms = valueNames.Distinct().ToDictionary(n => n, _ => new SymmetricHistogram());
        var values = graph.Nodes.SelectMany(n => n.Outputs).Where(v => histograms.ContainsKey(v.Name)).ToList();
        int originalOutputs = graph.Outputs.Count;
        var originalNames = values.ToDictionary(v => v, v => v.Name);
        var captureNames = new Dictionary<string, string>();
        try
        {
            for (int i = 0; i < values.Count; i++)
            {
                captureNames[values[i].Name] = values[i].IsGraphOutput ? values[i].Name : CapturePrefix + i;
                if (values[i].IsGraphOutput) continue;
                values[i].Name = CapturePrefix + i;
                graph.AddOutput(values[i]);
            }
            RunAll(model, results =>
            {
                var byName = results.ToDictionary(r => r.Name, r => r.Value);
                foreach (var (original, capture) in captureNames)
                {
                    if (byName.GetValueOrDefault(capture) is TensorValue { Tensor.ElementType: DataType.Float } t) histograms[original].Add(t.Tensor.AsSpan<float>());
                }
                return 0;
            });
        }
        finally
        {
            while (graph.Outputs.Count > originalOutputs) graph.RemoveOutput(graph.Outputs.Count - 1);
            foreach (var (value, name) in originalNames) value.Name = name;
        }
        foreach (var input in graph.Inputs.Where(i => histograms.ContainsKey(i.Name)))
        {
            foreach (var sample in samples)
            {
                if (sample.GetValueOrDefault(input.Name) is TensorValue { Tensor.ElementType: DataType.Float } t) histograms[input.Name].Add(t.Tensor.AsSpan<float>());
            }
        }
        return histograms;
    }

    private IReadOnlyList<T> RunAll<T>(Model model, Func<IReadOnlyList<NamedValue>, T> read)
    {
        var folder = Directory.CreateTempSubdirectory("onnxc-evaluate-");
        try
        {
            var path = Path.Combine(folder.FullName, "model.onnx");
            OnnxExporter.Save(model, path, new ExportOptions { ExternalDataThreshold = 1024 });
            using var runner = new OrtRunner(path, new OrtRunnerOptions { OptimizationLevel = level });
            return samples.Select(s => read(runner.Run(s))).ToList();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

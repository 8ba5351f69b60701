using System.Diagnostics;
using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;

namespace Onnxc.Passes.Calibration;

/// <summary>
/// Runs a model in ONNX Runtime with chosen intermediate values exposed as extra graph outputs, and streams each
/// sample's values into the requested statistics. The model is changed only for the export of a temporary copy
/// (extra outputs under reserved names) and restored before returning, even on failure.
/// </summary>
public static class ActivationCapture
{
    private const string CapturePrefix = "__onnxc_capture_";

    /// <summary>Feeds every sample of <paramref name="data"/> through the model, accumulating each request's statistic.</summary>
    public static CaptureTimes Run(Model model, CalibrationData data, IReadOnlyList<ActivationRequest> requests, OrtRunnerOptions? options = null)
    {
        if (requests.Count == 0 || data.Count == 0) return new CaptureTimes(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        var graph = model.Graph;
        foreach (var request in requests)
        {
            if (request.Value.Graph != graph) throw new ArgumentException($"'{request.Value.Name}' is not a value of the main graph (subgraph values cannot be captured)");
            if (request.Value.IsInitializer && !request.Value.IsGraphInput) throw new ArgumentException($"'{request.Value.Name}' is a constant, not an activation");
        }
        var captured = requests.Select(r => r.Value).Where(v => !v.IsGraphInput).Distinct().ToList();
        var directory = Directory.CreateTempSubdirectory("onnxc-calibration-");
        var path = Path.Combine(directory.FullName, "capture.onnx");
        var clock = Stopwatch.StartNew();
        TimeSpan inference = TimeSpan.Zero, statistics = TimeSpan.Zero;
        try
        {
            var outputNames = ExportWithOutputs(model, captured, path);
            using var runner = new OrtRunner(path, options);
            var setup = clock.Elapsed;
            foreach (var sample in data.Samples)
            {
                var started = clock.Elapsed;
                var results = runner.Run(sample);
                inference += clock.Elapsed - started;
                started = clock.Elapsed;
                var byName = results.ToDictionary(r => r.Name, r => r.Value);
                foreach (var request in requests)
                {
                    RuntimeValue? value = request.Value.IsGraphInput
                        ? sample.GetValueOrDefault(request.Value.Name)
                        : byName[outputNames[request.Value]];
                    if (value is not TensorValue tensor)
                    {
                        throw new OnnxcException(DiagnosticIds.RuntimeFailed, $"activation '{request.Value.Name}' is not a tensor in this run, so it has no statistics");
                    }
                    request.Statistic.Accumulate(tensor.Tensor);
                }
                statistics += clock.Elapsed - started;
            }
            return new CaptureTimes(setup, inference, statistics);
        }
        finally
        {
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is harmless; a failed run's own error matters more.
            }
        }
    }

    /// <summary>Exports the model with <paramref name="values"/> appended as outputs, then undoes the change.</summary>
    private static Dictionary<Value, string> ExportWithOutputs(Model model, List<Value> values, string path)
    {
        var graph = model.Graph;
        int originalCount = graph.Outputs.Count;
        var originalNames = values.ToDictionary(v => v, v => v.Name);
        var outputNames = new Dictionary<Value, string>();
        try
        {
            for (int i = 0; i < values.Count; i++)
            {
                var value = values[i];
                if (value.IsGraphOutput)
                {
                    outputNames[value] = value.Name;
                    continue;
                }
                // A reserved name, so the exporter's uniquing cannot change the name ORT reports back.
                value.Name = CapturePrefix + i;
                outputNames[value] = value.Name;
                graph.AddOutput(value);
            }
            OnnxExporter.Save(model, path, new ExportOptions { ExternalDataThreshold = 1024 });
        }
        finally
        {
            while (graph.Outputs.Count > originalCount) graph.RemoveOutput(graph.Outputs.Count - 1);
            foreach (var (value, name) in originalNames) value.Name = name;
        }
        return outputNames;
    }
}

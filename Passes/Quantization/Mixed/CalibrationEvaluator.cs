using Onnxc.Ir;
using Onnxc.Passes.Calibration;

namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>Runs the model's float outputs over the calibration samples through the shared calibration service.</summary>
public sealed class CalibrationEvaluator(CalibrationService calibration) : IModelEvaluator
{
    public IReadOnlyList<float[]> Run(Model model)
    {
        var recorders = model.Graph.Outputs.Where(o => o.ElementType is null or DataType.Float)
            .Select(o => new ActivationRequest(o, new OutputRecorder())).ToList();
        calibration.Collect(model, recorders);
        int samples = calibration.Data.Count;
        return Enumerable.Range(0, samples)
            .Select(s => recorders.SelectMany(r => ((OutputRecorder)r.Statistic).PerSample[s]).ToArray())
            .ToList();
    }

    /// <summary>Keeps each sample's output (outputs are small next to activations: logits, not hidden states).</summary>
    private sealed class OutputRecorder : IActivationStatistic
    {
        public List<float[]> PerSample { get; } = new();

        public int Samples => PerSample.Count;

        public void Accumulate(Tensor activation) =>
            PerSample.Add(activation.ElementType == DataType.Float ? activation.ToArray<float>() : throw new InvalidOperationException($"output is {activation.ElementType.ShortName()}, not f32"));
    }
}

using Onnxc.Ir;
using Onnxc.Passes.Quantization.Int8;

namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>One layer's measured sensitivity: end-to-end cosine and MSE when only this layer is quantized.</summary>
public sealed record LayerSensitivity(string Id, long Parameters, Precision Precision, double Cosine, double MeanSquaredError)
{
    public double Loss => 1 - Cosine;
}

/// <summary>
/// Measures per-layer sensitivity on calibration data: for each linear layer and precision, quantize only that layer
/// (simulated in float), run the model, and compare the outputs with fp32's. Cost: layers × precisions runs.
/// </summary>
public static class SensitivityAnalyzer
{
    public static IReadOnlyList<LayerSensitivity> Measure(Model model, IReadOnlyList<LinearLayer> layers, IModelEvaluator evaluator,
        IReadOnlyList<Precision> precisions, Int8Options int8, IWeightQuantizer? int4, IReadOnlyList<float[]>? reference = null)
    {
        reference ??= evaluator.Run(model);
        var results = new List<LayerSensitivity>();
        foreach (var layer in layers)
        {
            foreach (var precision in precisions.Where(p => p != Precision.Fp32 && (p != Precision.Int4 || int4?.Unsupported(layer) is null)))
            {
                IReadOnlyList<float[]> outputs;
                using (SimulatedQuantization.Apply(model, layer, precision, int8, int4)) outputs = evaluator.Run(model);
                results.Add(new LayerSensitivity(layer.Id, layer.Parameters, precision,
                    OutputSimilarity.MeanCosine(reference, outputs), OutputSimilarity.MeanSquaredError(reference, outputs)));
            }
        }
        return results;
    }
}

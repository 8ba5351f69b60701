namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>
/// What mixed precision decided and why: the budget, each layer's precision with its measured sensitivities and the
/// reason, sizes, and the cosine predicted by the allocator against the one measured on the chosen mix.
/// </summary>
public sealed record MixedPrecisionReport(
    MixedPrecisionBudget Budget,
    string CalibrationSource,
    int Samples,
    IReadOnlyList<LayerChoice> Layers,
    long Fp32Bytes,
    long Bytes,
    double PredictedCosine,
    double MeasuredCosine,
    bool BudgetMet,
    IReadOnlyList<string> Notes)
{
    public double SizeRatio => Fp32Bytes == 0 ? 1 : (double)Bytes / Fp32Bytes;

    /// <summary>Counts of layers per precision ("int8 20, fp32 4").</summary>
    public string Histogram => string.Join(", ", Layers.GroupBy(l => l.Precision).OrderBy(g => g.Key).Select(g => $"{g.Key.Label()} {g.Count()}"));
}

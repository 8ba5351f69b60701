namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>
/// One layer as the allocator sees it: its weight bytes at each available precision and the measured end-to-end
/// loss (1 − cosine of the outputs to fp32's) when only this layer is quantized to that precision.
/// </summary>
public sealed record LayerCandidate(string Id, long Parameters, IReadOnlyDictionary<Precision, long> Bytes, IReadOnlyDictionary<Precision, double> Loss)
{
    /// <summary>Precisions this layer may take, most exact first (fp32 always; the rest where measured).</summary>
    public IReadOnlyList<Precision> Ladder => Bytes.Keys.Where(p => p == Precision.Fp32 || Loss.ContainsKey(p)).OrderBy(p => p).ToList();

    public double LossAt(Precision precision) => precision == Precision.Fp32 ? 0 : Loss[precision];
}

/// <summary>The precision chosen for a layer and the reason, in words, for the report.</summary>
public sealed record LayerChoice(string Id, long Parameters, Precision Precision, long Bytes, double? LossInt8, double? LossInt4, string Reason);

/// <summary>The allocator's answer: per-layer choices, predicted loss and size, and whether the budget is met.</summary>
public sealed record BitAllocation(IReadOnlyList<LayerChoice> Layers, long Bytes, double PredictedLoss, bool BudgetMet, string Summary);

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>What <c>quantize-weights</c> did to one layer (or why it left it alone).</summary>
public sealed record LayerReport(string Node, string Weight, int K, int N, string Method, long BytesBefore, long BytesAfter, double? RelativeError, string? Skipped);

/// <summary>Per-layer results of one run of <c>quantize-weights</c>, plus where its calibration data came from.</summary>
public sealed class WeightOnlyReport
{
    public List<LayerReport> Layers { get; } = new();

    /// <summary>"x_test.npy samples 0..127" or "generated (...)"; null when no data was used (RTN).</summary>
    public string? CalibrationSource { get; set; }

    public bool CalibrationGenerated { get; set; }

    public TimeSpan Elapsed { get; set; }
}

using Onnxc.Passes.Calibration;

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

    /// <summary>Things the user should act on, e.g. too few calibration rows for a layer's Hessian.</summary>
    public List<string> Warnings { get; } = new();

    public TimeSpan Elapsed { get; set; }

    /// <summary>Where <see cref="Elapsed"/> went, phase by phase (for profiling; see BENCHMARKS.md).</summary>
    public WeightOnlyPhases Phases { get; } = new();
}

/// <summary>Wall time per phase of one <c>quantize-weights</c> run; calibration is null for RTN.</summary>
public sealed class WeightOnlyPhases
{
    /// <summary>Capture-model export and ORT session, ORT runs, XᵀX accumulation.</summary>
    public CaptureTimes? Calibration { get; set; }

    /// <summary>Damping and factoring each distinct Hessian (once per input activation, not per layer).</summary>
    public TimeSpan Factorization { get; set; }

    /// <summary>The GPTQ column loop, or round-to-nearest.</summary>
    public TimeSpan Quantization { get; set; }

    /// <summary>The per-layer relative output error of the report.</summary>
    public TimeSpan Error { get; set; }

    /// <summary>Packing and replacing nodes with MatMulNBits.</summary>
    public TimeSpan Emission { get; set; }

    public override string ToString()
    {
        var c = Calibration;
        string calibration = c is null ? "" : $"calibration {Seconds(c.Setup + c.Inference + c.Statistics)} (export+session {Seconds(c.Setup)}, ORT runs {Seconds(c.Inference)}, statistics {Seconds(c.Statistics)}), ";
        return $"{calibration}factorization {Seconds(Factorization)}, quantization {Seconds(Quantization)}, layer error {Seconds(Error)}, emission {Seconds(Emission)}";
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + " s";
}

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>
/// What range selection needs from an activation's statistics: the exact extremes and a histogram of counts over
/// equal-width bins on [<see cref="Low"/>, <see cref="High"/>]. Calibration accumulators implement or adapt to it.
/// </summary>
public interface IValueHistogram
{
    /// <summary>Smallest value seen.</summary>
    double Min { get; }

    /// <summary>Largest value seen.</summary>
    double Max { get; }

    /// <summary>Lower edge of the first bin.</summary>
    double Low { get; }

    /// <summary>Upper edge of the last bin.</summary>
    double High { get; }

    /// <summary>Counts per bin, bin i covering [Low + i·w, Low + (i+1)·w).</summary>
    ReadOnlySpan<long> Counts { get; }
}

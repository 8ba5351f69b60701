using Onnxc.Passes.Calibration;

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>The calibration service's histogram seen through <see cref="IValueHistogram"/>, for range selection.</summary>
public sealed class CalibratedHistogram(HistogramStatistic statistic) : IValueHistogram
{
    public double Min => statistic.Min;

    public double Max => statistic.Max;

    public double Low => statistic.Lower;

    public double High => statistic.Upper;

    public ReadOnlySpan<long> Counts => statistic.Counts;
}

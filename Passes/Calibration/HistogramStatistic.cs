using System.Numerics.Tensors;
using Tensor = Onnxc.Ir.Tensor;
using Onnxc.Ir;

namespace Onnxc.Passes.Calibration;

/// <summary>
/// A histogram of an activation over a range that grows as samples arrive: when a value falls outside, the range
/// doubles (around its centre's side) and old counts merge pairwise, so no sample needs a second pass and the bin
/// count stays fixed. Used for entropy/percentile ranges in static quantization.
/// </summary>
public sealed class HistogramStatistic : IActivationStatistic
{
    public HistogramStatistic(int bins = 2048)
    {
        if (bins < 2 || bins % 2 != 0) throw new ArgumentOutOfRangeException(nameof(bins), "bins must be an even number >= 2");
        Counts = new long[bins];
    }

    /// <summary>Counts per bin; bin i covers [Lower + i·Width, Lower + (i+1)·Width).</summary>
    public long[] Counts { get; }

    public double Lower { get; private set; }

    public double Upper { get; private set; }

    public double BinWidth => (Upper - Lower) / Counts.Length;

    public float Min { get; private set; } = float.PositiveInfinity;

    public float Max { get; private set; } = float.NegativeInfinity;

    public int Samples { get; private set; }

    public long Total => Counts.Sum();

    public void Accumulate(Tensor activation)
    {
        var values = ActivationValues.AsFloats(activation, out _);
        Samples++;
        if (values.Length == 0) return;
        float min = TensorPrimitives.Min(values), max = TensorPrimitives.Max(values);
        if (!float.IsFinite(min) || !float.IsFinite(max)) throw new InvalidOperationException("activation holds NaN or infinity");
        if (Total == 0 && Upper == Lower)
        {
            // The first sample sets the range, with a little room so equal values still fall inside.
            Lower = min;
            Upper = max > min ? max : min + 1e-6;
        }
        Min = Math.Min(Min, min);
        Max = Math.Max(Max, max);
        while (min < Lower || max >= Upper) Grow(min < Lower);
        double scale = Counts.Length / (Upper - Lower);
        foreach (var v in values)
        {
            int bin = (int)((v - Lower) * scale);
            Counts[Math.Clamp(bin, 0, Counts.Length - 1)]++;
        }
    }

    /// <summary>Doubles the range downward or upward; each new bin is the sum of two old ones.</summary>
    private void Grow(bool downward)
    {
        int n = Counts.Length;
        var merged = new long[n];
        int offset = downward ? n / 2 : 0;
        for (int i = 0; i < n; i++) merged[offset + i / 2] += Counts[i];
        merged.CopyTo(Counts, 0);
        double width = Upper - Lower;
        if (downward) Lower -= width;
        else Upper += width;
    }
}

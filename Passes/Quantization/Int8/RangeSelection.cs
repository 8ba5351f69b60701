namespace Onnxc.Passes.Quantization.Int8;

/// <summary>Chooses an activation's quantization range from its histogram by MinMax, percentile or entropy (KL).</summary>
public static class RangeSelection
{
    /// <summary>Quantized levels per sign that the entropy method models (int8: 128 magnitudes).</summary>
    public const int EntropyLevels = 128;

    public static ActivationRange Select(IValueHistogram histogram, CalibrationMethod method, double percentile = 99.99) => method switch
    {
        CalibrationMethod.MinMax => MinMax(histogram),
        CalibrationMethod.Percentile => Percentile(histogram, percentile),
        CalibrationMethod.Entropy => Entropy(histogram),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    public static ActivationRange MinMax(IValueHistogram histogram) =>
        Empty(histogram) ? default : new ActivationRange((float)histogram.Min, (float)histogram.Max, CalibrationMethod.MinMax);

    /// <summary>
    /// Drops (100 − <paramref name="percentile"/>)/2 % of the values from each tail: the range runs from the lower edge
    /// of the bin where the left tail's mass is exceeded to the upper edge of the matching bin on the right.
    /// </summary>
    public static ActivationRange Percentile(IValueHistogram histogram, double percentile)
    {
        if (percentile is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "percentile must be in (0, 100]");
        if (Empty(histogram)) return default;
        var counts = histogram.Counts;
        long total = Sum(counts);
        double tail = total * (100 - percentile) / 200;
        double width = BinWidth(histogram);
        int lowBin = 0;
        for (long seen = 0; lowBin < counts.Length; lowBin++)
        {
            seen += counts[lowBin];
            if (seen > tail) break;
        }
        int highBin = counts.Length - 1;
        for (long seen = 0; highBin >= 0; highBin--)
        {
            seen += counts[highBin];
            if (seen > tail) break;
        }
        double low = Math.Max(histogram.Min, histogram.Low + lowBin * width);
        double high = Math.Min(histogram.Max, histogram.Low + (highBin + 1) * width);
        return new ActivationRange((float)low, (float)high, CalibrationMethod.Percentile);
    }

    /// <summary>
    /// TensorRT's entropy calibration on the |x| histogram: for each candidate threshold (bin i ≥ 128), the reference
    /// P is the first i bins with the clipped mass added to the last, Q is P's bins merged into 128 levels and spread
    /// back over the non-empty bins; the threshold with the smallest KL(P‖Q) wins. The range is ±threshold, cut to
    /// what was observed (a non-negative activation keeps Low = Min).
    /// </summary>
    public static ActivationRange Entropy(IValueHistogram histogram)
    {
        if (Empty(histogram)) return default;
        var magnitudes = FoldToMagnitudes(histogram, out double width);
        if (magnitudes.Length <= EntropyLevels) return MinMax(histogram) with { Method = CalibrationMethod.Entropy };
        int best = magnitudes.Length;
        double bestDivergence = double.PositiveInfinity;
        for (int i = EntropyLevels; i <= magnitudes.Length; i++)
        {
            double divergence = Divergence(magnitudes, i);
            if (divergence < bestDivergence)
            {
                bestDivergence = divergence;
                best = i;
            }
        }
        double threshold = best * width;
        double low = Math.Max(histogram.Min, -threshold);
        double high = Math.Min(histogram.Max, threshold);
        return new ActivationRange((float)low, (float)high, CalibrationMethod.Entropy);
    }

    /// <summary>KL(P‖Q) for clipping the magnitude histogram after <paramref name="bins"/> bins.</summary>
    internal static double Divergence(ReadOnlySpan<double> magnitudes, int bins)
    {
        var reference = magnitudes[..bins].ToArray();
        double outliers = 0;
        for (int j = bins; j < magnitudes.Length; j++) outliers += magnitudes[j];
        reference[bins - 1] += outliers;

        var expanded = new double[bins];
        double perLevel = (double)bins / EntropyLevels;
        for (int level = 0; level < EntropyLevels; level++)
        {
            int start = (int)Math.Round(level * perLevel);
            int end = level == EntropyLevels - 1 ? bins : (int)Math.Round((level + 1) * perLevel);
            double mass = 0;
            int nonEmpty = 0;
            for (int j = start; j < end; j++)
            {
                mass += magnitudes[j];
                if (magnitudes[j] > 0) nonEmpty++;
            }
            if (nonEmpty == 0) continue;
            // Q keeps P's zeros: only bins that held values get a share of their level's mass.
            for (int j = start; j < end; j++) if (magnitudes[j] > 0) expanded[j] = mass / nonEmpty;
        }

        double pTotal = reference.Sum(), qTotal = expanded.Sum();
        if (pTotal == 0 || qTotal == 0) return double.PositiveInfinity;
        double kl = 0;
        for (int j = 0; j < bins; j++)
        {
            if (reference[j] == 0) continue;
            double p = reference[j] / pTotal;
            // The clipped mass sits in a bin Q may leave empty; a small floor keeps such candidates comparable, not infinite.
            double q = Math.Max(expanded[j] / qTotal, 1e-12);
            kl += p * Math.Log(p / q);
        }
        return kl;
    }

    /// <summary>Folds a histogram onto |x| with bins of the same width starting at 0 (bins straddling 0 count as the first).</summary>
    internal static double[] FoldToMagnitudes(IValueHistogram histogram, out double width)
    {
        var counts = histogram.Counts;
        width = BinWidth(histogram);
        double reach = Math.Max(Math.Abs(histogram.Low), Math.Abs(histogram.High));
        var magnitudes = new double[(int)Math.Ceiling(reach / width - 1e-9)];
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0) continue;
            double center = histogram.Low + (i + 0.5) * width;
            int bin = Math.Min((int)(Math.Abs(center) / width), magnitudes.Length - 1);
            magnitudes[bin] += counts[i];
        }
        return magnitudes;
    }

    private static double BinWidth(IValueHistogram histogram) => (histogram.High - histogram.Low) / histogram.Counts.Length;

    private static long Sum(ReadOnlySpan<long> counts)
    {
        long total = 0;
        foreach (var c in counts) total += c;
        return total;
    }

    private static bool Empty(IValueHistogram histogram) =>
        histogram.Counts.Length == 0 || !(histogram.Max >= histogram.Min) || histogram.High <= histogram.Low;
}

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>
/// A streaming histogram over [-R, R] with a fixed even number of bins. When a value falls outside, R doubles and
/// adjacent bin pairs merge exactly (no re-binning error), so batches can arrive in any order and size.
/// </summary>
public sealed class SymmetricHistogram : IValueHistogram
{
    private readonly long[] _counts;
    private double _radius;

    /// <summary>Creates an empty histogram of <paramref name="bins"/> bins (even; 4096 gives 2048 per sign, as TensorRT's |x| histogram).</summary>
    public SymmetricHistogram(int bins = 4096)
    {
        if (bins < 2 || bins % 4 != 0) throw new ArgumentException("bin count must be a positive multiple of 4", nameof(bins));
        _counts = new long[bins];
    }

    public double Min { get; private set; } = double.PositiveInfinity;

    public double Max { get; private set; } = double.NegativeInfinity;

    public long Count { get; private set; }

    public double Low => -_radius;

    public double High => _radius;

    public ReadOnlySpan<long> Counts => _counts;

    /// <summary>Adds a batch of values (NaN and infinities are ignored: they have no place on a finite grid).</summary>
    public void Add(ReadOnlySpan<float> values)
    {
        float batchMax = 0;
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) continue;
            if (v < Min) Min = v;
            if (v > Max) Max = v;
            batchMax = MathF.Max(batchMax, MathF.Abs(v));
        }
        if (_radius == 0) _radius = batchMax > 0 ? batchMax : 0;
        while (batchMax > _radius) Widen();
        if (_radius == 0)
        {
            // Only zeros so far: they all land in the middle bin once any range exists.
            foreach (var v in values) if (float.IsFinite(v)) { _counts[_counts.Length / 2]++; Count++; }
            return;
        }
        double width = 2 * _radius / _counts.Length;
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) continue;
            int bin = (int)((v + _radius) / width);
            _counts[Math.Clamp(bin, 0, _counts.Length - 1)]++;
            Count++;
        }
    }

    // Doubling [-R, R] to [-2R, 2R] maps old bins 2m and 2m+1 onto new bin n/4 + m, so the merge is exact.
    private void Widen()
    {
        int n = _counts.Length;
        var merged = new long[n];
        for (int m = 0; m < n / 2; m++) merged[n / 4 + m] = _counts[2 * m] + _counts[2 * m + 1];
        merged.CopyTo(_counts, 0);
        _radius *= 2;
    }
}

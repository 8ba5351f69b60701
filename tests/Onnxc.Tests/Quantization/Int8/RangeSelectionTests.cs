using FsCheck.Xunit;
using Onnxc.Passes.Quantization.Int8;

namespace Onnxc.Tests.Quantization.Int8;

/// <summary>Quantize/dequantize bounds, per-channel scales, the streaming histogram and the three range methods.</summary>
public class RangeSelectionTests
{
    [Property(MaxTest = 200)]
    public bool Uint8_round_trip_is_within_half_a_step(float min, float span, float x)
    {
        if (!float.IsFinite(min) || !float.IsFinite(span) || !float.IsFinite(x)) return true;
        min = Math.Clamp(min, -1e4f, 1e4f);
        float max = min + Math.Clamp(Math.Abs(span), 1e-3f, 1e4f);
        x = Math.Clamp(x, MathF.Min(min, 0), MathF.Max(max, 0));
        var q = QuantParams.AsymmetricUInt8(min, max);
        float back = q.Dequantize(q.Quantize(x, 0, 255));
        // Half a step, plus the zero point's own rounding (it may shift the grid by up to half a step).
        return Math.Abs(back - x) <= q.Scale * 1.0001f + 1e-6f;
    }

    [Fact]
    public void Per_channel_scales_are_each_columns_absmax_over_qmax()
    {
        var random = new Random(5);
        const int rows = 33, cols = 7;
        var w = Enumerable.Range(0, rows * cols).Select(i => (float)(random.NextDouble() * 2 - 1) * (i % cols + 1) * 10).ToArray();
        foreach (var reduce in new[] { true, false })
        {
            var q = Int8Weight.Quantize(w, rows, cols, WeightGranularity.PerChannel, reduce);
            int qmax = reduce ? 63 : 127;
            var back = q.Dequantize();
            for (int c = 0; c < cols; c++)
            {
                float absMax = Enumerable.Range(0, rows).Max(r => MathF.Abs(w[r * cols + c]));
                Assert.Equal(absMax / qmax, q.Scales[c], 6);
                for (int r = 0; r < rows; r++)
                {
                    Assert.InRange(q.Values[r * cols + c], -qmax, qmax);
                    Assert.True(MathF.Abs(back[r * cols + c] - w[r * cols + c]) <= q.Scales[c] / 2 * 1.0001f);
                }
            }
            var perTensor = Int8Weight.Quantize(w, rows, cols, WeightGranularity.PerTensor, reduce);
            Assert.Equal(w.Max(MathF.Abs) / qmax, Assert.Single(perTensor.Scales), 6);
        }
    }

    [Fact]
    public void Histogram_widening_merges_bins_exactly()
    {
        var random = new Random(9);
        var batches = Enumerable.Range(0, 6).Select(b => Enumerable.Range(0, 500).Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, b))).ToArray()).ToList();
        var streamed = new SymmetricHistogram(64);
        foreach (var batch in batches) streamed.Add(batch);
        // A histogram given the final range up front bins every value the same way, since widening only merges pairs.
        var direct = new SymmetricHistogram(64);
        direct.Add(new[] { -(float)streamed.High, (float)streamed.High });
        direct.Add(batches.SelectMany(b => b).ToArray());
        var expected = direct.Counts.ToArray();
        expected[0]--;
        expected[^1]--;
        Assert.Equal(3000, streamed.Count);
        Assert.Equal(expected, streamed.Counts.ToArray());
        Assert.Equal(batches.SelectMany(b => b).Min(), streamed.Min);
    }

    [Fact]
    public void Percentile_clips_each_tail_and_minmax_keeps_everything()
    {
        var histogram = new SymmetricHistogram(4000);
        // 10,000 values uniform on [-50, 50) plus 2 far outliers.
        histogram.Add(Enumerable.Range(0, 10000).Select(i => -50f + i * 0.01f).Append(1000f).Append(-1000f).ToArray());
        var minMax = RangeSelection.MinMax(histogram);
        Assert.Equal((-1000f, 1000f), (minMax.Low, minMax.High));
        var p99 = RangeSelection.Percentile(histogram, 99);
        // 0.5 % of 10,002 values per tail: about 0.5 units in from ±50, within one bin (0.5 wide here).
        Assert.InRange(p99.Low, -50f, -48.5f);
        Assert.InRange(p99.High, 48.5f, 50.5f);
    }

    [Fact]
    public void Entropy_ignores_rare_outliers_but_keeps_the_bulk()
    {
        var random = new Random(1);
        var histogram = new SymmetricHistogram();
        // Gaussian bulk (σ = 1) and a handful of values at 40σ: MinMax would waste almost all 255 levels on them.
        var values = Enumerable.Range(0, 200000).Select(_ => (float)Gaussian(random)).Concat(Enumerable.Repeat(40f, 5)).ToArray();
        histogram.Add(values);
        var range = RangeSelection.Entropy(histogram);
        Assert.InRange(range.High, 3f, 20f);
        Assert.True(range.Low <= -3f);
    }

    [Fact]
    public void Entropy_on_a_non_negative_activation_keeps_low_at_its_minimum()
    {
        var histogram = new SymmetricHistogram();
        histogram.Add(Enumerable.Range(0, 5000).Select(i => i / 1000f).ToArray());
        var range = RangeSelection.Entropy(histogram);
        Assert.Equal(0f, range.Low);
        Assert.InRange(range.High, 3f, 5.001f);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

using Onnxc.Ir;
using Onnxc.Passes.Calibration;

namespace Onnxc.Tests.Calibration;

public class StatisticsTests
{
    /// <summary>K = 7 takes the scalar edge of the product kernel; K = 150 over 150 rows its SIMD tiles and several 64-row flushes.</summary>
    [Theory]
    [InlineData(7)]
    [InlineData(150)]
    public void Hessian_is_the_mean_outer_product_over_all_rows_of_all_samples(int k)
    {
        var a = LinearModels.RandomMatrix(5 * 13, k, seed: 1);
        var b = LinearModels.RandomMatrix(3 * 2, k, seed: 2);
        var c = LinearModels.RandomMatrix(79, k, seed: 3);
        var hessian = new HessianStatistic(k);
        hessian.Accumulate(Tensor.FromArray(a, 5, 13, k));
        hessian.Accumulate(Tensor.FromArray(b, 3, 2, k));
        hessian.Accumulate(Tensor.FromArray(c, 79, k));

        var mean = hessian.Mean();

        Assert.Equal(3, hessian.Samples);
        Assert.Equal(65 + 6 + 79, hessian.Rows);
        var rows = a.Concat(b).Concat(c).ToArray();
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                double expected = 0;
                for (int r = 0; r < 150; r++) expected += (double)rows[r * k + i] * rows[r * k + j];
                Assert.Equal(expected / 150, mean[i * k + j], 1e-9);
            }
        }
    }

    [Fact]
    public void Hessian_rejects_an_activation_whose_last_axis_is_not_k()
    {
        var hessian = new HessianStatistic(4);
        Assert.Throws<InvalidOperationException>(() => hessian.Accumulate(Tensor.FromArray(new float[6], 2, 3)));
    }

    [Fact]
    public void Histogram_keeps_every_count_when_its_range_grows_both_ways()
    {
        var histogram = new HistogramStatistic(bins: 64);
        histogram.Accumulate(Tensor.FromArray(new[] { 0.1f, 0.2f, 0.3f }, 3));
        histogram.Accumulate(Tensor.FromArray(new[] { -5f, 0.25f }, 2));
        histogram.Accumulate(Tensor.FromArray(new[] { 40f, 39.9f, -0.1f }, 3));

        Assert.Equal(8, histogram.Total);
        Assert.Equal(-5f, histogram.Min);
        Assert.Equal(40f, histogram.Max);
        Assert.True(histogram.Lower <= -5 && histogram.Upper > 40);
        // Every value still sits in the bin its position says.
        int Bin(double v) => (int)((v - histogram.Lower) / histogram.BinWidth);
        Assert.True(histogram.Counts[Bin(-5)] >= 1);
        Assert.True(histogram.Counts[Bin(39.95)] >= 2);
    }

    [Fact]
    public void MinMax_tracks_extremes_across_samples()
    {
        var stat = new MinMaxStatistic();
        stat.Accumulate(Tensor.FromArray(new[] { 1f, -2f }, 2));
        stat.Accumulate(Tensor.FromArray(new[] { 0.5f, 3f }, 2));
        Assert.Equal((-2f, 3f, 2), (stat.Min, stat.Max, stat.Samples));
    }
}

using Onnxc.Passes.Numerics;

namespace Onnxc.Tests.Numerics;

public class MatrixProductTests
{
    /// <summary>Sizes around the 4-row tile, the 2-vector column tile, the 128 column panel and the 256 depth block.</summary>
    [Theory]
    [InlineData(1, 1, 1, false)]
    [InlineData(5, 17, 3, false)]
    [InlineData(4, 16, 300, true)]
    [InlineData(9, 131, 257, false)]
    [InlineData(37, 70, 64, true)]
    public void Double_product_matches_the_naive_sum(int m, int n, int depth, bool transposedA)
    {
        var random = new Random(m * 1000 + n + depth);
        var a = Random(random, m * depth);
        var b = Random(random, depth * n);
        var c = Random(random, m * n);
        var expected = (double[])c.Clone();
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int r = 0; r < depth; r++) sum += (transposedA ? a[r * m + i] : a[i * depth + r]) * b[r * n + j];
                expected[i * n + j] -= 0.5 * sum;
            }
        }
        var aView = transposedA ? MatrixView<double>.RowMajor(a, m).Transposed() : MatrixView<double>.RowMajor(a, depth);

        MatrixProduct.MultiplyAdd(aView, MatrixView<double>.RowMajor(b, n), MatrixView<double>.RowMajor(c, n), m, n, depth, -0.5);

        for (int i = 0; i < c.Length; i++) Assert.Equal(expected[i], c[i], 1e-10);
    }

    [Fact]
    public void Float_product_on_windows_leaves_everything_outside_untouched()
    {
        // C is a 6×40 window at (2, 3) of a 12×50 array; A and B are windows too.
        const int m = 6, n = 40, depth = 20;
        var random = new Random(3);
        var a = Random(random, 10 * 30).Select(v => (float)v).ToArray();
        var b = Random(random, 25 * 60).Select(v => (float)v).ToArray();
        var c = new float[12 * 50];
        var aView = MatrixView<float>.RowMajor(a, 30).At(1, 2);
        var bView = MatrixView<float>.RowMajor(b, 60).At(4, 7);

        MatrixProduct.MultiplyAdd(aView, bView, MatrixView<float>.RowMajor(c, 50).At(2, 3), m, n, depth, 1f);

        for (int i = 0; i < 12; i++)
        {
            for (int j = 0; j < 50; j++)
            {
                bool inside = i >= 2 && i < 2 + m && j >= 3 && j < 3 + n;
                double expected = 0;
                if (inside)
                {
                    for (int r = 0; r < depth; r++) expected += a[(1 + i - 2) * 30 + 2 + r] * b[(4 + r) * 60 + 7 + j - 3];
                }
                Assert.Equal(expected, c[i * 50 + j], 1e-4);
            }
        }
    }

    [Fact]
    public void Upper_triangle_mode_computes_every_element_on_and_above_the_diagonal()
    {
        const int k = 45, rows = 11;
        var x = Random(new Random(8), rows * k);
        var upper = new double[k * k];
        var full = new double[k * k];
        var view = MatrixView<double>.RowMajor(x, k);

        MatrixProduct.MultiplyAdd(view.Transposed(), view, MatrixView<double>.RowMajor(upper, k), k, k, rows, 1.0, upperTriangle: true);
        MatrixProduct.MultiplyAdd(view.Transposed(), view, MatrixView<double>.RowMajor(full, k), k, k, rows, 1.0);

        for (int i = 0; i < k; i++)
        {
            for (int j = i; j < k; j++) Assert.Equal(full[i * k + j], upper[i * k + j], 1e-12);
        }
        // Tiles wholly below the diagonal were skipped (the saving the mode exists for).
        Assert.Equal(0, upper[(k - 1) * k]);
    }

    [Fact]
    public void A_window_past_the_end_of_its_array_is_rejected()
    {
        var a = new double[10];
        Assert.Throws<ArgumentException>(() =>
            MatrixProduct.MultiplyAdd(MatrixView<double>.RowMajor(a, 5), MatrixView<double>.RowMajor(a, 5), MatrixView<double>.RowMajor(new double[15], 5), 3, 5, 5, 1.0));
    }

    private static double[] Random(Random random, int count) => Enumerable.Range(0, count).Select(_ => random.NextDouble() * 2 - 1).ToArray();
}

using MathNet.Numerics.LinearAlgebra;
using Onnxc.Passes.Numerics;

namespace Onnxc.Tests.Numerics;

public class BlockedCholeskyTests
{
    /// <summary>XᵀX/rows of random rows whose columns have scales over <paramref name="decades"/> decades, plus λ·mean(diag) on the diagonal.</summary>
    private static double[] RandomSpd(int k, int rows, double decades, double dampening, int seed)
    {
        var random = new Random(seed);
        var scales = Enumerable.Range(0, k).Select(i => Math.Pow(10, -decades * i / Math.Max(1, k - 1))).ToArray();
        var h = new double[k * k];
        var x = new double[k];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < k; i++) x[i] = (random.NextDouble() * 2 - 1) * scales[i];
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++) h[i * k + j] += x[i] * x[j] / rows;
            }
        }
        double mean = Enumerable.Range(0, k).Average(i => h[i * k + i]);
        for (int i = 0; i < k; i++) h[i * k + i] += dampening * mean;
        return h;
    }

    /// <summary>Well-conditioned, across panel boundaries (64), and rank-deficient (rows &lt; K) or 6 decades of scale with 1 % dampening, as GPTQ sees.</summary>
    [Theory]
    [InlineData(1, 4, 0.0, 0.0)]
    [InlineData(63, 200, 0.0, 0.0)]
    [InlineData(130, 400, 0.0, 0.0)]
    [InlineData(200, 50, 0.0, 0.01)]
    [InlineData(150, 300, 6.0, 0.01)]
    public void Factor_matches_mathnet_cholesky(int k, int rows, double decades, double dampening)
    {
        var h = RandomSpd(k, rows, decades, dampening, seed: k);
        var reference = Matrix<double>.Build.Dense(k, k, (i, j) => h[i * k + j]).Cholesky().Factor; // lower L, H = LLᵀ
        var u = (double[])h.Clone();

        BlockedCholesky.FactorUpperInPlace(u, k);

        double scale = Math.Sqrt(Enumerable.Range(0, k).Max(i => h[i * k + i]));
        for (int i = 0; i < k; i++)
        {
            for (int j = i; j < k; j++) Assert.True(Math.Abs(reference[j, i] - u[i * k + j]) <= 1e-9 * scale, $"U[{i},{j}] = {u[i * k + j]}, MathNet {reference[j, i]}");
        }
    }

    [Theory]
    [InlineData(70, 0.0)]
    [InlineData(140, 6.0)]
    public void Inverse_times_factor_is_the_identity(int k, double decades)
    {
        var u = RandomSpd(k, 3 * k, decades, 0.01, seed: 5);
        BlockedCholesky.FactorUpperInPlace(u, k);

        var x = BlockedCholesky.InvertUpper(u, k);

        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                double sum = 0;
                for (int m = i; m <= j; m++) sum += u[i * k + m] * x[m * k + j];
                if (j < i) Assert.Equal(0, x[i * k + j]);
                else Assert.Equal(i == j ? 1 : 0, sum, 1e-8);
            }
        }
    }

    [Fact]
    public void Upper_factor_of_the_inverse_reproduces_the_inverse_hessian()
    {
        const int k = 97;
        var h = RandomSpd(k, 40, 3.0, 0.01, seed: 11);
        var inverse = Matrix<double>.Build.Dense(k, k, (i, j) => h[i * k + j]).Inverse();

        var u = HessianFactorization.UpperCholeskyOfInverse(h, k);
        var f = HessianFactorization.UpperCholeskyOfInverseAsFloat(h, k);

        double scale = Enumerable.Range(0, k).Max(i => inverse[i, i]);
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                double sum = 0;
                for (int m = 0; m <= Math.Min(i, j); m++) sum += u[m * k + i] * u[m * k + j];
                Assert.True(Math.Abs(inverse[i, j] - sum) <= 1e-8 * scale, $"(UᵀU)[{i},{j}] = {sum}, H⁻¹ {inverse[i, j]}");
                if (j < i) Assert.Equal(0, u[i * k + j]);
                Assert.Equal(u[i * k + j], f[i * k + j], Math.Abs(u[i * k + j]) * 1e-6 + 1e-30);
            }
        }
    }

    [Fact]
    public void A_matrix_that_is_not_positive_definite_is_rejected()
    {
        const int k = 80;
        var h = RandomSpd(k, 200, 0, 0, seed: 2);
        h[70 * k + 70] = -1;
        var e = Assert.Throws<ArithmeticException>(() => BlockedCholesky.FactorUpperInPlace(h, k));
        Assert.Contains("dampening", e.Message);
    }
}

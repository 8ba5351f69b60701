using Onnxc.Passes.Sparsity;

namespace Onnxc.Tests.Sparsity;

public class SparseGptTests
{
    /// <summary>Correlated calibration inputs X [rows, K] (a random mixing of fewer sources), so the Hessian matters.</summary>
    private static (float[] X, double[] Hessian) Calibration(Random random, int rows, int k)
    {
        int sources = k / 2;
        var mix = LinearModels.Random(random, sources * k);
        var x = new float[rows * k];
        for (int r = 0; r < rows; r++)
        {
            var s = LinearModels.Random(random, sources);
            for (int j = 0; j < k; j++)
            {
                double v = 0;
                for (int q = 0; q < sources; q++) v += s[q] * mix[q * k + j];
                x[r * k + j] = (float)v;
            }
        }
        var h = new double[k * k];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++) h[i * k + j] += (double)x[r * k + i] * x[r * k + j];
            }
        }
        return (x, h);
    }

    private static double OutputError(float[] x, float[] original, float[] pruned, int rows, int n, int k)
    {
        double error = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < n; o++)
            {
                double d = 0;
                for (int i = 0; i < k; i++) d += x[r * k + i] * ((double)original[o * k + i] - pruned[o * k + i]);
                error += d * d;
            }
        }
        return error;
    }

    [Theory]
    [InlineData(1, 8, 32)]
    [InlineData(2, 16, 64)]
    [InlineData(3, 5, 16)]
    public void SparseGpt_is_2_4_and_moves_layer_outputs_less_than_magnitude(int seed, int n, int k)
    {
        var random = new Random(seed);
        var (x, hessian) = Calibration(random, 4 * k, k);
        var weights = LinearModels.Random(random, n * k);
        var magnitude = (float[])weights.Clone();
        MagnitudePruning.Prune(magnitude, k);
        var sparseGpt = (float[])weights.Clone();
        SparseGptPruning.Prune(sparseGpt, n, k, hessian);

        Assert.True(Sparse24Format.IsTwoFour(sparseGpt, n, k));
        double gptError = OutputError(x, weights, sparseGpt, 4 * k, n, k);
        double magnitudeError = OutputError(x, weights, magnitude, 4 * k, n, k);
        Assert.True(gptError < 0.8 * magnitudeError, $"SparseGPT output error {gptError:g4} vs magnitude {magnitudeError:g4}");
        // The sensitivity measure agrees with the direct computation.
        double relative = PruningError.Relative(weights, sparseGpt, n, k, hessian);
        double direct = Math.Sqrt(gptError / OutputError(x, weights, new float[n * k], 4 * k, n, k));
        Assert.Equal(direct, relative, 6);
    }

    [Fact]
    public void Inverse_hessian_factor_satisfies_UtU_times_H_is_identity()
    {
        var random = new Random(5);
        int k = 12;
        var (_, h) = Calibration(random, 40, k);
        for (int i = 0; i < k; i++) h[i * k + i] += 1;  // X has rank k/2: make H full rank, then factor without dampening
        var u = InverseHessianFactor.Compute(h, k, 0, out var dead);
        Assert.DoesNotContain(true, dead);
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    double inverse = 0;  // (UᵀU)[i, p]
                    for (int q = 0; q < k; q++) inverse += u[q * k + i] * u[q * k + p];
                    sum += inverse * h[p * k + j];
                }
                Assert.Equal(i == j ? 1.0 : 0.0, sum, 6);
                if (i > j) Assert.Equal(0.0, u[i * k + j]);
            }
        }
    }
}

using Onnxc.Passes.Quantization.WeightOnly;
using Onnxc.Tests.Calibration;

namespace Onnxc.Tests.Quantization.WeightOnly;

public class LayerErrorTests
{
    [Theory]
    [InlineData(3, 7)]
    [InlineData(17, 200)]
    public void Hessian_weighted_error_matches_the_dense_double_quadratic_forms(int n, int k)
    {
        var wt = LinearModels.RandomMatrix(n, k, seed: 1);
        var q = wt.Select((v, i) => v + (i % 3 - 1) * 0.05f).ToArray();
        var x = LinearModels.RandomMatrix(2 * k, k, seed: 2);
        var h = new double[k * k];
        for (int r = 0; r < 2 * k; r++)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++) h[i * k + j] += (double)x[r * k + i] * x[r * k + j];
            }
        }
        double error = 0, signal = 0;
        for (int row = 0; row < n; row++)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++)
                {
                    error += (wt[row * k + i] - (double)q[row * k + i]) * h[i * k + j] * (wt[row * k + j] - (double)q[row * k + j]);
                    signal += (double)wt[row * k + i] * h[i * k + j] * wt[row * k + j];
                }
            }
        }

        double relative = LayerError.Relative(wt, q, n, k, h);

        Assert.Equal(error / signal, relative, error / signal * 1e-4);
    }
}

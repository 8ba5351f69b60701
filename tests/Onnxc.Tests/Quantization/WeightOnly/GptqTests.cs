using Onnxc.Ir;
using Onnxc.Passes.Calibration;
using Onnxc.Passes.Quantization.WeightOnly;
using Onnxc.Tests.Calibration;

namespace Onnxc.Tests.Quantization.WeightOnly;

public class GptqTests
{
    /// <summary>Correlated inputs with uneven scales, as real activations are: where GPTQ's error feedback pays off.</summary>
    private static double[] CorrelatedHessian(int k, int rows, int seed)
    {
        var random = new Random(seed);
        var mix = LinearModels.RandomMatrix(k, k, seed + 1);
        var stat = new HessianStatistic(k);
        var x = new float[rows * k];
        for (int r = 0; r < rows; r++)
        {
            var z = Enumerable.Range(0, k).Select(i => (float)(random.NextDouble() * 2 - 1) * (1 + 4 * (i % 5 == 0 ? 1 : 0))).ToArray();
            for (int j = 0; j < k; j++)
            {
                float sum = 0;
                for (int i = 0; i < k; i++) sum += z[i] * mix[i * k + j] * (i == j ? 3 : 0.3f);
                x[r * k + j] = sum;
            }
        }
        stat.Accumulate(Tensor.FromArray(x, rows, k));
        return stat.Mean();
    }

    [Theory]
    [InlineData(4, 32, true, false)]
    [InlineData(4, 16, false, false)]
    [InlineData(4, 32, true, true)]
    [InlineData(8, 64, true, false)]
    public void Gptq_layer_error_is_at_most_rtn_error(int bits, int blockSize, bool symmetric, bool actOrder)
    {
        const int k = 96, n = 24;
        var wt = LinearModels.RandomMatrix(n, k, seed: 4);
        var h = CorrelatedHessian(k, rows: 512, seed: 7);
        var config = new BlockQuantConfig(bits, blockSize, symmetric);

        var rtn = BlockQuantizer.Quantize(wt, n, k, config);
        var gptq = GptqQuantizer.Quantize(wt, n, k, h, config, new GptqOptions { ActOrder = actOrder });

        double rtnError = LayerError.Relative(wt, rtn.Dequantize(), n, k, h);
        double gptqError = LayerError.Relative(wt, gptq.Dequantize(), n, k, h);
        Assert.True(gptqError <= rtnError, $"GPTQ {gptqError:G4} > RTN {rtnError:G4}");
        Assert.True(gptqError < 0.9 * rtnError, $"GPTQ {gptqError:G4} barely improves on RTN {rtnError:G4}");
    }

    [Fact]
    public void Gptq_with_identity_hessian_is_round_to_nearest()
    {
        const int k = 32, n = 3;
        var wt = LinearModels.RandomMatrix(n, k, seed: 2);
        var h = new double[k * k];
        for (int i = 0; i < k; i++) h[i * k + i] = 1;
        var config = new BlockQuantConfig(4, 16, false);
        // With H = I no column's error can be compensated by another, so GPTQ must round exactly like RTN.
        Assert.Equal(BlockQuantizer.Quantize(wt, n, k, config).Codes, GptqQuantizer.Quantize(wt, n, k, h, config).Codes);
    }
}

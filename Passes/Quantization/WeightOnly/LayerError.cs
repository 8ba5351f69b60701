using System.Numerics.Tensors;

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>How far a quantized layer's output moves: with E = W − Q and H = mean XᵀX, Σ_n e_n H e_nᵀ is the mean squared output error per row of X.</summary>
public static class LayerError
{
    /// <summary>Mean squared output error relative to the output's mean square (Σ e H eᵀ / Σ w H wᵀ); the plain weight error when no Hessian is given.</summary>
    public static double Relative(ReadOnlySpan<float> wt, ReadOnlySpan<float> dequantized, int n, int k, double[]? hessian)
    {
        double error = 0, signal = 0;
        var e = new double[k];
        var x = new double[k];
        for (int row = 0; row < n; row++)
        {
            for (int i = 0; i < k; i++)
            {
                x[i] = wt[row * k + i];
                e[i] = x[i] - dequantized[row * k + i];
            }
            if (hessian is null)
            {
                error += TensorPrimitives.Dot<double>(e, e);
                signal += TensorPrimitives.Dot<double>(x, x);
                continue;
            }
            for (int i = 0; i < k; i++)
            {
                var hRow = hessian.AsSpan(i * k, k);
                error += e[i] * TensorPrimitives.Dot<double>(hRow, e);
                signal += x[i] * TensorPrimitives.Dot<double>(hRow, x);
            }
        }
        return signal > 0 ? error / signal : error;
    }
}

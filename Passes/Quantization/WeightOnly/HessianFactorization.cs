using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>The upper Cholesky factor U of H⁻¹ (H⁻¹ = UᵀU) that GPTQ's column updates read.</summary>
internal static class HessianFactorization
{
    /// <summary>
    /// One Cholesky instead of GPTQ's usual three factorizations: with J the order reversal and JHJ = MMᵀ,
    /// H⁻¹ = (J M⁻¹ J)ᵀ (J M⁻¹ J), and J M⁻¹ J is upper triangular. Returns U row-major as float (the update precision).
    /// </summary>
    public static float[] UpperCholeskyOfInverse(double[] h, int k)
    {
        var reversed = Matrix<double>.Build.Dense(k, k, (i, j) => h[(long)(k - 1 - i) * k + (k - 1 - j)]);
        var m = reversed.Cholesky().Factor;
        var lower = new double[(long)k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j <= i; j++) lower[(long)i * k + j] = m[i, j];
        }
        var inverse = InvertLower(lower, k);
        var u = new float[(long)k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = i; j < k; j++) u[(long)i * k + j] = (float)inverse[(long)(k - 1 - i) * k + (k - 1 - j)];
        }
        return u;
    }

    /// <summary>Inverse of a lower-triangular matrix by rows: X[i,:] = (e_i − Σ_{m&lt;i} L[i,m]·X[m,:]) / L[i,i] (SIMD along rows).</summary>
    private static double[] InvertLower(double[] l, int k)
    {
        var x = new double[(long)k * k];
        for (int i = 0; i < k; i++)
        {
            var row = x.AsSpan(i * k, i + 1);
            row[i] = 1;
            for (int m = 0; m < i; m++)
            {
                double factor = l[(long)i * k + m];
                if (factor == 0) continue;
                var source = x.AsSpan(m * k, m + 1);
                TensorPrimitives.MultiplyAdd(source, -factor, row[..(m + 1)], row[..(m + 1)]);
            }
            TensorPrimitives.Divide(row, l[(long)i * k + i], row);
        }
        return x;
    }
}

using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Onnxc.Passes.Numerics;

/// <summary>The upper Cholesky factor U of H⁻¹ (H⁻¹ = UᵀU) that GPTQ's and SparseGPT's column updates read.</summary>
public static class HessianFactorization
{
    /// <summary>U row-major as float, the precision of GPTQ's weight updates.</summary>
    public static float[] UpperCholeskyOfInverseAsFloat(double[] h, int k)
    {
        var u = UpperCholeskyOfInverse(h, k);
        var result = new float[u.Length];
        for (long i = 0; i < u.Length; i++) result[i] = (float)u[i];
        return result;
    }

    /// <summary>
    /// One Cholesky (MathNet) instead of GPTQ's usual three factorizations: with J the order reversal and JHJ = MMᵀ,
    /// H⁻¹ = (J M⁻¹ J)ᵀ (J M⁻¹ J), and J M⁻¹ J is upper triangular. H must be positive definite (damp it first).
    /// </summary>
    public static double[] UpperCholeskyOfInverse(double[] h, int k)
    {
        var reversed = Matrix<double>.Build.Dense(k, k, (i, j) => h[(long)(k - 1 - i) * k + (k - 1 - j)]);
        Matrix<double> m;
        try
        {
            m = reversed.Cholesky().Factor;
        }
        catch (ArgumentException e)
        {
            throw new ArithmeticException("the Hessian is not positive definite; raise the dampening", e);
        }
        var lower = new double[(long)k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j <= i; j++) lower[(long)i * k + j] = m[i, j];
        }
        var inverse = InvertLower(lower, k);
        var u = new double[(long)k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = i; j < k; j++) u[(long)i * k + j] = inverse[(long)(k - 1 - i) * k + (k - 1 - j)];
        }
        return u;
    }

    /// <summary>Columns of the inverse computed per task; a column of X depends only on the same column above it.</summary>
    private const int ColumnBlock = 64;

    /// <summary>
    /// Inverse of a lower-triangular matrix by rows: X[i,:] = (e_i − Σ_{m&lt;i} L[i,m]·X[m,:]) / L[i,i]. Column blocks
    /// are independent (X[i,j] reads only X[m,j]), so they run in parallel; within a block the update is SIMD.
    /// </summary>
    private static double[] InvertLower(double[] l, int k)
    {
        var x = new double[(long)k * k];
        int blockCount = (k + ColumnBlock - 1) / ColumnBlock;
        Parallel.For(0, blockCount, b =>
        {
            int first = b * ColumnBlock, last = Math.Min(first + ColumnBlock, k);
            for (int i = first; i < k; i++)
            {
                int width = Math.Min(last, i + 1) - first;
                var row = x.AsSpan((int)((long)i * k + first), width);
                if (i < last) row[i - first] = 1;
                for (int m = first; m < i; m++)
                {
                    double factor = l[(long)i * k + m];
                    if (factor == 0) continue;
                    int span = Math.Min(width, m + 1 - first);
                    TensorPrimitives.MultiplyAdd(x.AsSpan((int)((long)m * k + first), span), -factor, row[..span], row[..span]);
                }
                TensorPrimitives.Divide(row, l[(long)i * k + i], row);
            }
        });
        return x;
    }
}

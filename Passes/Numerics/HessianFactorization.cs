namespace Onnxc.Passes.Numerics;

/// <summary>The upper Cholesky factor U of H⁻¹ (H⁻¹ = UᵀU) that GPTQ's and SparseGPT's column updates read.</summary>
public static class HessianFactorization
{
    /// <summary>U row-major as float, the precision of GPTQ's weight updates (no double copy of U is made).</summary>
    public static float[] UpperCholeskyOfInverseAsFloat(double[] h, int k) => UpperFromReversedInverse<float>(InverseOfReversedFactor(h, k), k);

    /// <summary>
    /// One Cholesky instead of GPTQ's usual three factorizations: with J the order reversal and JHJ = ŨᵀŨ (Ũ upper),
    /// H = AᵀA for the lower A = JŨJ, so H⁻¹ = A⁻¹A⁻ᵀ = UᵀU with the upper U = A⁻ᵀ = J Ũ⁻ᵀ J, i.e.
    /// U[i, j] = Ũ⁻¹[k−1−j, k−1−i]. H must be positive definite (damp it first); only its upper triangle is read.
    /// </summary>
    public static double[] UpperCholeskyOfInverse(double[] h, int k) => UpperFromReversedInverse<double>(InverseOfReversedFactor(h, k), k);

    /// <summary>U[i, j] = X[k−1−j, k−1−i] for j ≥ i, in the element type the caller keeps.</summary>
    private static T[] UpperFromReversedInverse<T>(double[] x, int k) where T : System.Numerics.INumberBase<T>
    {
        var u = new T[(long)k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = i; j < k; j++) u[(long)i * k + j] = T.CreateTruncating(x[(long)(k - 1 - j) * k + (k - 1 - i)]);
        }
        return u;
    }

    /// <summary>Ũ⁻¹ where JHJ = ŨᵀŨ.</summary>
    private static double[] InverseOfReversedFactor(double[] h, int k)
    {
        if (h.Length != (long)k * k) throw new ArgumentException($"Hessian has {h.Length} entries, {k}x{k} expected", nameof(h));
        // (JHJ)[i, j] = H[k-1-i, k-1-j]; its upper triangle is the mirror of H's upper triangle.
        var reversed = new double[(long)k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = i; j < k; j++) reversed[(long)i * k + j] = h[(long)(k - 1 - j) * k + (k - 1 - i)];
        }
        BlockedCholesky.FactorUpperInPlace(reversed, k);
        return BlockedCholesky.InvertUpper(reversed, k);
    }
}

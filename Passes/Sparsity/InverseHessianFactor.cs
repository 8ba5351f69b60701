using Onnxc.Passes.Numerics;

namespace Onnxc.Passes.Sparsity;

/// <summary>
/// The upper Cholesky factor U of H⁻¹ (H⁻¹ = UᵀU) that SparseGPT/GPTQ use for their column-by-column updates, from a
/// damped Hessian H = XᵀX + λ·mean(diag)·I; the factorization itself is the one GPTQ uses
/// (<see cref="HessianFactorization"/>).
/// </summary>
public static class InverseHessianFactor
{
    /// <summary>Row-major U [K, K]. Inputs no calibration sample reached (H_ii = 0) get H_ii = 1 and are reported in <paramref name="dead"/>.</summary>
    public static double[] Compute(ReadOnlySpan<double> hessian, int k, double dampening, out bool[] dead)
    {
        if (hessian.Length != k * k) throw new ArgumentException($"Hessian has {hessian.Length} entries, {k}x{k} expected", nameof(hessian));
        dead = new bool[k];
        double meanDiagonal = 0;
        for (int i = 0; i < k; i++) meanDiagonal += hessian[i * k + i];
        meanDiagonal = Math.Max(meanDiagonal / k, 1e-12);
        var damped = hessian.ToArray();
        for (int i = 0; i < k; i++)
        {
            int d = i * k + i;
            if (damped[d] == 0)
            {
                dead[i] = true;
                damped[d] = 1;
            }
            damped[d] += dampening * meanDiagonal;
        }
        return HessianFactorization.UpperCholeskyOfInverse(damped, k);
    }
}

namespace Onnxc.Passes.Sparsity;

/// <summary>
/// The upper Cholesky factor U of H⁻¹ (H⁻¹ = UᵀU) that SparseGPT/GPTQ use for their column-by-column updates, from a
/// damped Hessian H = XᵀX + λ·mean(diag)·I. Computed as U = P·chol(P·H·P)⁻¹·P (P reverses the order): one Cholesky
/// and one triangular inverse instead of an explicit inverse.
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
        // Reversed copy: R[i, j] = H[k-1-i, k-1-j].
        var r = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++) r[i * k + j] = hessian[(k - 1 - i) * k + (k - 1 - j)];
        }
        for (int i = 0; i < k; i++)
        {
            int d = i * k + i;
            if (r[d] == 0)
            {
                dead[k - 1 - i] = true;
                r[d] = 1;
            }
            r[d] += dampening * meanDiagonal;
        }
        CholeskyInPlace(r, k);
        var inverse = InvertLower(r, k);
        // U = P·L⁻¹·P: reverse rows and columns back; L⁻¹ is lower, so U is upper.
        var u = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++) u[i * k + j] = inverse[(k - 1 - i) * k + (k - 1 - j)];
        }
        return u;
    }

    /// <summary>Overwrites the lower triangle of a symmetric positive definite matrix with L (A = LLᵀ); the upper triangle is cleared.</summary>
    private static void CholeskyInPlace(double[] a, int k)
    {
        for (int j = 0; j < k; j++)
        {
            double diagonal = a[j * k + j];
            for (int p = 0; p < j; p++) diagonal -= a[j * k + p] * a[j * k + p];
            if (diagonal <= 0) throw new ArithmeticException($"Hessian is not positive definite at column {j}; raise the dampening");
            double l = Math.Sqrt(diagonal);
            a[j * k + j] = l;
            Parallel.For(j + 1, k, i =>
            {
                double sum = a[i * k + j];
                for (int p = 0; p < j; p++) sum -= a[i * k + p] * a[j * k + p];
                a[i * k + j] = sum / l;
            });
            for (int p = j + 1; p < k; p++) a[j * k + p] = 0;
        }
    }

    private static double[] InvertLower(double[] l, int k)
    {
        var inverse = new double[k * k];
        // Column c of L⁻¹ solves L·x = e_c; columns are independent.
        Parallel.For(0, k, c =>
        {
            inverse[c * k + c] = 1 / l[c * k + c];
            for (int i = c + 1; i < k; i++)
            {
                double sum = 0;
                for (int p = c; p < i; p++) sum -= l[i * k + p] * inverse[p * k + c];
                inverse[i * k + c] = sum / l[i * k + i];
            }
        });
        return inverse;
    }
}

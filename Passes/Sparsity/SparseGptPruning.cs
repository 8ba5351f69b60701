namespace Onnxc.Passes.Sparsity;

/// <summary>
/// SparseGPT 2:4 pruning (Frantar &amp; Alistarh, 2023): columns are visited in order; at the start of every group of 4
/// the two weights with the smallest OBS saliency w²/U_ii² are dropped, and each column's error is spread over the
/// columns not yet visited through the inverse-Hessian factor U, so the layer output XW moves as little as possible.
/// </summary>
public static class SparseGptPruning
{
    /// <summary>Default dampening (fraction of the mean Hessian diagonal added to it), as in the paper's code.</summary>
    public const double DefaultDampening = 0.01;

    /// <summary>Prunes rows [N, K] in place given the layer input's Hessian XᵀX [K, K] (row-major).</summary>
    public static void Prune(float[] rows, int n, int k, ReadOnlySpan<double> hessian, double dampening = DefaultDampening)
    {
        if (k % 4 != 0) throw new ArgumentException($"K = {k} is not a multiple of 4", nameof(k));
        var u = InverseHessianFactor.Compute(hessian, k, dampening, out var dead);
        // Rows are independent given U: the update of row n only reads row n.
        Parallel.For(0, n, row =>
        {
            var w = new double[k];
            for (int i = 0; i < k; i++) w[i] = dead[i] ? 0 : rows[row * k + i];
            int first = 0, second = 0;
            for (int i = 0; i < k; i++)
            {
                if (i % 4 == 0)
                {
                    (first, second) = MagnitudePruning.LargestTwo(
                        Saliency(w, u, k, i), Saliency(w, u, k, i + 1), Saliency(w, u, k, i + 2), Saliency(w, u, k, i + 3));
                }
                int position = i % 4;
                double kept = position == first || position == second ? w[i] : 0;
                double error = (w[i] - kept) / u[i * k + i];
                w[i] = kept;
                if (error == 0) continue;
                for (int j = i + 1; j < k; j++) w[j] -= error * u[i * k + j];
            }
            for (int i = 0; i < k; i++) rows[row * k + i] = (float)w[i];
        });
    }

    private static double Saliency(double[] w, double[] u, int k, int i)
    {
        double d = u[i * k + i];
        return w[i] * w[i] / (d * d);
    }
}

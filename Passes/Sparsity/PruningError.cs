namespace Onnxc.Passes.Sparsity;

/// <summary>How much pruning moved a layer: the sensitivity measure of <see cref="Prune24Options.MaxRelativeError"/>.</summary>
public static class PruningError
{
    /// <summary>
    /// sqrt(Σ_n Δ_n·H·Δ_nᵀ / Σ_n W_n·H·W_nᵀ) over rows [N, K] when the Hessian is given (the relative change of the layer
    /// output on the calibration data), otherwise the relative Frobenius norm ‖ΔW‖/‖W‖.
    /// </summary>
    public static double Relative(ReadOnlySpan<float> original, ReadOnlySpan<float> pruned, int n, int k, double[]? hessian)
    {
        if (hessian is null)
        {
            double delta = 0, norm = 0;
            for (int i = 0; i < original.Length; i++)
            {
                double d = original[i] - pruned[i];
                delta += d * d;
                norm += (double)original[i] * original[i];
            }
            return norm == 0 ? 0 : Math.Sqrt(delta / norm);
        }
        var w = original.ToArray();
        var p = pruned.ToArray();
        double num = 0, den = 0;
        var gate = new object();
        Parallel.For(0, n, () => (0.0, 0.0), (row, _, acc) =>
        {
            var d = new double[k];
            for (int i = 0; i < k; i++) d[i] = w[row * k + i] - p[row * k + i];
            return (acc.Item1 + QuadraticForm(d, hessian, k), acc.Item2 + QuadraticForm(w.AsSpan(row * k, k).ToArray().Select(x => (double)x).ToArray(), hessian, k));
        }, acc => { lock (gate) { num += acc.Item1; den += acc.Item2; } });
        return den <= 0 ? 0 : Math.Sqrt(num / den);
    }

    private static double QuadraticForm(double[] x, double[] h, int k)
    {
        double sum = 0;
        for (int i = 0; i < k; i++)
        {
            if (x[i] == 0) continue;
            double row = 0;
            for (int j = 0; j < k; j++) row += h[i * k + j] * x[j];
            sum += x[i] * row;
        }
        return sum;
    }
}

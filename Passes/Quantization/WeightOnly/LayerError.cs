using Onnxc.Passes.Numerics;

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>How far a quantized layer's output moves: with E = W − Q and H = mean XᵀX, Σ_n e_n H e_nᵀ is the mean squared output error per row of X.</summary>
public static class LayerError
{
    /// <summary>Rows of [E; W] per parallel task.</summary>
    private const int RowBlock = 6 * MatrixProduct.TileRows;

    /// <summary>Columns of H per product call: the depth of each call stops at the call's last column (H is used as triangular).</summary>
    private const int ColumnBlock = 128;

    /// <summary>Mean squared output error relative to the output's mean square (Σ e H eᵀ / Σ w H wᵀ); the plain weight error when no Hessian is given.</summary>
    public static double Relative(ReadOnlySpan<float> wt, ReadOnlySpan<float> dequantized, int n, int k, double[]? hessian)
    {
        if (wt.Length != (long)n * k || dequantized.Length != wt.Length) throw new ArgumentException("weights do not fill [N, K]");
        if (hessian is null)
        {
            double error = 0, signal = 0;
            for (int row = 0; row < n; row++)
            {
                var w = wt.Slice(row * k, k);
                var q = dequantized.Slice(row * k, k);
                for (int i = 0; i < k; i++)
                {
                    double e = w[i] - q[i];
                    error += e * e;
                    signal += (double)w[i] * w[i];
                }
            }
            return signal > 0 ? error / signal : error;
        }
        if (hessian.Length != (long)k * k) throw new ArgumentException($"Hessian has {hessian.Length} entries, {k}x{k} expected", nameof(hessian));
        // V = [E; W] (2N × K): both quadratic forms from one product with H.
        var v = new float[2L * n * k];
        for (long i = 0; i < (long)n * k; i++)
        {
            v[i] = wt[(int)i] - dequantized[(int)i];
            v[(long)n * k + i] = wt[(int)i];
        }
        var forms = QuadraticForms(v, 2 * n, k, hessian);
        double errorSum = 0, signalSum = 0;
        for (int row = 0; row < n; row++)
        {
            errorSum += forms[row];
            signalSum += forms[n + row];
        }
        return signalSum > 0 ? errorSum / signalSum : errorSum;
    }

    /// <summary>
    /// v_r H v_rᵀ for each row of <paramref name="v"/> [rows × K], as Σ_j v_j (H_jj v_j + 2 Σ_{i&lt;j} v_i H_ij): only
    /// H's strictly upper triangle enters the product, which halves the N·K² work of the dense form. The product runs
    /// in float (SIMD, both cores); the per-row sums in double. This is a report diagnostic, not an input to GPTQ.
    /// </summary>
    private static double[] QuadraticForms(float[] v, int rows, int k, double[] hessian)
    {
        var upper = new float[(long)k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = i + 1; j < k; j++) upper[(long)i * k + j] = (float)hessian[(long)i * k + j];
        }
        var y = new float[(long)rows * k];
        var vView = MatrixView<float>.RowMajor(v, k);
        var yView = MatrixView<float>.RowMajor(y, k);
        var hView = MatrixView<float>.RowMajor(upper, k);
        var forms = new double[rows];
        int blocks = (rows + RowBlock - 1) / RowBlock;
        Parallel.For(0, blocks, b =>
        {
            int r0 = b * RowBlock, count = Math.Min(RowBlock, rows - r0);
            // Y[r, j] = Σ_{i<j} V[r, i]·H[i, j]: columns [j0, j1) need only rows i < j1 of the upper triangle.
            for (int j0 = 0; j0 < k; j0 += ColumnBlock)
            {
                int j1 = Math.Min(j0 + ColumnBlock, k);
                MatrixProduct.MultiplyAdd(vView.At(r0, 0), hView.At(0, j0), yView.At(r0, j0), count, j1 - j0, j1, 1f);
            }
            for (int r = r0; r < r0 + count; r++)
            {
                var row = v.AsSpan((int)((long)r * k), k);
                var cross = y.AsSpan((int)((long)r * k), k);
                double sum = 0;
                for (int j = 0; j < k; j++) sum += row[j] * (hessian[(long)j * k + j] * row[j] + 2.0 * cross[j]);
                forms[r] = sum;
            }
        });
        return forms;
    }
}

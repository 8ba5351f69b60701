using System.Numerics.Tensors;
using Onnxc.Passes.Numerics;

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>
/// GPTQ (Frantar et al., 2022): quantizes Wt[N, K] one column at a time and spreads each column's rounding error
/// over the not-yet-quantized columns through the inverse Hessian, so the layer output XWᵀ moves as little as possible.
/// </summary>
public static class GptqQuantizer
{
    /// <summary>Quantizes <paramref name="wt"/> (N×K, row-major) with the layer Hessian <paramref name="hessian"/> (K×K, mean XᵀX).</summary>
    public static QuantizedWeight Quantize(ReadOnlySpan<float> wt, int n, int k, double[] hessian, BlockQuantConfig config, GptqOptions? options = null)
    {
        options ??= new GptqOptions();
        config.Validate();
        if (wt.Length != (long)n * k || hessian.Length != (long)k * k) throw new ArgumentException("weight or Hessian size does not match N, K");
        var w = wt.ToArray();
        var h = (double[])hessian.Clone();
        int blocks = config.BlocksPerRow(k);
        var result = new QuantizedWeight(n, k, config);

        // Inputs that were always zero carry no information: fix their diagonal and drop their weights.
        double diagonalSum = 0;
        for (int i = 0; i < k; i++)
        {
            if (h[(long)i * k + i] == 0)
            {
                h[(long)i * k + i] = 1;
                for (int row = 0; row < n; row++) w[(long)row * k + i] = 0;
            }
            diagonalSum += h[(long)i * k + i];
        }
        double damp = options.DampPercent * diagonalSum / k;
        for (int i = 0; i < k; i++) h[(long)i * k + i] += damp;

        var order = Enumerable.Range(0, k).ToArray();
        if (options.ActOrder)
        {
            // Static groups: block parameters come from the original weights, so permuting columns keeps blocks intact.
            SetAllBlockParameters(w, n, k, result);
            order = order.OrderByDescending(i => h[(long)i * k + i]).ThenBy(i => i).ToArray();
            w = PermuteColumns(w, n, k, order);
            h = PermuteSymmetric(h, k, order);
        }
        var u = HessianFactorization.UpperCholeskyOfInverseAsFloat(h, k);

        int lazy = Math.Max(options.LazyBatch, config.BlockSize) / config.BlockSize * config.BlockSize;
        var errors = new float[(long)n * lazy];
        bool actOrder = options.ActOrder;
        for (int i1 = 0; i1 < k; i1 += lazy)
        {
            int start = i1, end = Math.Min(i1 + lazy, k);
            // Rows are independent given U (each row's error only moves that row's later columns), so a batch of
            // columns is processed row by row in parallel.
            Parallel.For(0, n, row => QuantizeRowBatch(w, u, k, row, start, end, lazy, order, errors, result, actOrder));
        }
        return result;
    }

    /// <summary>Quantizes columns [start, end) of one row, then applies their accumulated error to the columns after.</summary>
    private static void QuantizeRowBatch(float[] w, float[] u, int k, int row, int start, int end, int lazy, int[] order,
        float[] errors, QuantizedWeight result, bool actOrder)
    {
        var config = result.Config;
        int blocks = result.BlocksPerRow;
        long rowStart = (long)row * k;
        for (int i = start; i < end; i++)
        {
            int original = order[i];
            int block = original / config.BlockSize;
            if (!actOrder && i % config.BlockSize == 0) SetRowBlockParameters(w, k, result, row, block, i);
            float d = u[(long)i * k + i];
            long at = rowStart + i;
            float value = w[at];
            float scale = result.Scales[row * blocks + block];
            int zp = result.ZeroPoint(row, block);
            byte code = BlockQuantizer.Quantize(value, scale, zp, config.MaxCode);
            result.Codes[rowStart + original] = code;
            float error = (value - (code - zp) * scale) / d;
            errors[(long)row * lazy + (i - start)] = error;
            var rest = w.AsSpan((int)(at + 1), end - i - 1);
            TensorPrimitives.MultiplyAdd(u.AsSpan((int)((long)i * k + i + 1), end - i - 1), -error, rest, rest);
        }
        if (end == k) return;
        // Lazy batch update: the columns right of this batch receive its accumulated error at once.
        var tail = w.AsSpan((int)(rowStart + end), k - end);
        for (int j = 0; j < end - start; j++)
        {
            float error = errors[(long)row * lazy + j];
            if (error == 0) continue;
            TensorPrimitives.MultiplyAdd(u.AsSpan((int)((long)(start + j) * k + end), k - end), -error, tail, tail);
        }
    }

    /// <summary>Parameters of one row's block <paramref name="block"/> from its current (error-updated) columns starting at <paramref name="column"/>.</summary>
    private static void SetRowBlockParameters(float[] w, int k, QuantizedWeight result, int row, int block, int column)
    {
        int length = Math.Min(result.Config.BlockSize, k - column), blocks = result.BlocksPerRow;
        var (scale, zp) = BlockQuantizer.BlockParameters(w.AsSpan((int)((long)row * k + column), length), result.Config);
        result.Scales[row * blocks + block] = scale;
        if (result.ZeroPoints is { } zps) zps[row * blocks + block] = (byte)zp;
    }

    private static void SetAllBlockParameters(float[] w, int n, int k, QuantizedWeight result)
    {
        for (int row = 0; row < n; row++)
        {
            for (int b = 0; b < result.BlocksPerRow; b++) SetRowBlockParameters(w, k, result, row, b, b * result.Config.BlockSize);
        }
    }

    private static float[] PermuteColumns(float[] w, int n, int k, int[] order)
    {
        var result = new float[w.Length];
        for (int row = 0; row < n; row++)
        {
            for (int i = 0; i < k; i++) result[(long)row * k + i] = w[(long)row * k + order[i]];
        }
        return result;
    }

    private static double[] PermuteSymmetric(double[] h, int k, int[] order)
    {
        var result = new double[h.Length];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++) result[(long)i * k + j] = h[(long)order[i] * k + order[j]];
        }
        return result;
    }
}

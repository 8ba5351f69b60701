using System.Numerics.Tensors;
using Onnxc.Passes.Numerics;

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>
/// GPTQ (Frantar et al., 2022): quantizes Wt[N, K] one column at a time and spreads each column's rounding error
/// over the not-yet-quantized columns through the inverse Hessian, so the layer output XWᵀ moves as little as possible.
/// </summary>
public static class GptqQuantizer
{
    /// <summary>Rows per parallel task: a multiple of the product kernel's register tile, small enough to balance two cores.</summary>
    private const int RowBlock = 4 * MatrixProduct.TileRows;

    /// <summary>Quantizes <paramref name="wt"/> (N×K, row-major) with the layer Hessian <paramref name="hessian"/> (K×K, mean XᵀX).</summary>
    public static QuantizedWeight Quantize(ReadOnlySpan<float> wt, int n, int k, double[] hessian, BlockQuantConfig config, GptqOptions? options = null)
    {
        options ??= new GptqOptions();
        return Quantize(wt, n, k, GptqHessian.Prepare(hessian, k, options), config, options);
    }

    /// <summary>Quantizes <paramref name="wt"/> with a prepared (possibly shared) Hessian factor; <paramref name="options"/> gives the lazy batch.</summary>
    public static QuantizedWeight Quantize(ReadOnlySpan<float> wt, int n, int k, GptqHessian hessian, BlockQuantConfig config, GptqOptions? options = null)
    {
        options ??= new GptqOptions();
        config.Validate();
        if (wt.Length != (long)n * k || hessian.K != k) throw new ArgumentException("weight or Hessian size does not match N, K");
        var order = hessian.Order;
        var w = new float[(long)n * k];
        // Working copy in processing order, dead inputs dropped.
        for (int row = 0; row < n; row++)
        {
            var source = wt.Slice(row * k, k);
            var target = w.AsSpan(row * k, k);
            for (int i = 0; i < k; i++) target[i] = hessian.Dead[order[i]] ? 0 : source[order[i]];
        }
        // Groups follow the processing order (g_idx) or stay the plain blocks of K; with act-order and plain blocks
        // ("static groups") the block parameters come from the original weights, before any column is processed.
        bool groupIndex = hessian.ActOrder && options.GroupIndex;
        var result = new QuantizedWeight(n, k, config) { GroupIndex = groupIndex ? ProcessingGroups(order, config.BlockSize) : null };
        bool staticGroups = hessian.ActOrder && !groupIndex;
        if (staticGroups) SetAllBlockParameters(wt, hessian.Dead, n, k, result);

        var u = hessian.Factor;
        int lazy = Math.Max(options.LazyBatch, config.BlockSize) / config.BlockSize * config.BlockSize;
        var errors = new float[(long)n * lazy];
        var wView = MatrixView<float>.RowMajor(w, k);
        var uView = MatrixView<float>.RowMajor(u, k);
        var eView = MatrixView<float>.RowMajor(errors, lazy);
        int rowBlocks = (n + RowBlock - 1) / RowBlock;
        for (int start = 0; start < k; start += lazy)
        {
            int end = Math.Min(start + lazy, k), batch = end - start;
            // Rows are independent given U (each row's error only moves that row's later columns), so row blocks run
            // in parallel: first the batch's columns one by one, then the columns right of the batch receive the
            // batch's accumulated error at once, W[rows, end:] -= E[rows, :] · U[start:end, end:], as one product.
            Parallel.For(0, rowBlocks, b =>
            {
                int first = b * RowBlock, rows = Math.Min(RowBlock, n - first);
                for (int row = first; row < first + rows; row++) QuantizeRowBatch(w, u, k, row, start, end, lazy, order, errors, result, staticGroups);
                MatrixProduct.MultiplyAdd(eView.At(first, 0), uView.At(start, end), wView.At(first, end), rows, k - end, batch, -1f);
            });
        }
        return result;
    }

    /// <summary>Quantizes columns [start, end) of one row, updating the batch's later columns and recording each column's scaled error.</summary>
    private static void QuantizeRowBatch(float[] w, float[] u, int k, int row, int start, int end, int lazy, int[] order,
        float[] errors, QuantizedWeight result, bool staticGroups)
    {
        var config = result.Config;
        int blocks = result.BlocksPerRow;
        long rowStart = (long)row * k;
        for (int i = start; i < end; i++)
        {
            int original = order[i];
            // Outside static groups, the group of position i is i / block_size (in processing order, which is the
            // original order without act-order), and its parameters come from the group's updated values.
            int block = result.GroupOf(original);
            if (!staticGroups && i % config.BlockSize == 0) SetRowBlockParameters(w.AsSpan((int)rowStart, k), result, row, block, i);
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
    }

    /// <summary>Parameters of one row's block <paramref name="block"/> from its values starting at <paramref name="column"/>.</summary>
    private static void SetRowBlockParameters(ReadOnlySpan<float> row, QuantizedWeight result, int n, int block, int column)
    {
        int length = Math.Min(result.Config.BlockSize, row.Length - column), blocks = result.BlocksPerRow;
        var (scale, zp) = BlockQuantizer.BlockParameters(row.Slice(column, length), result.Config);
        result.Scales[n * blocks + block] = scale;
        if (result.ZeroPoints is { } zps) zps[n * blocks + block] = (byte)zp;
    }

    /// <summary>g_idx for groups formed in processing order: input <c>order[i]</c> belongs to group i / block_size.</summary>
    private static int[] ProcessingGroups(int[] order, int blockSize)
    {
        var groups = new int[order.Length];
        for (int i = 0; i < order.Length; i++) groups[order[i]] = i / blockSize;
        return groups;
    }

    /// <summary>Act-order's static groups: every block's parameters from the original weights (dead inputs as zero).</summary>
    private static void SetAllBlockParameters(ReadOnlySpan<float> wt, bool[] dead, int n, int k, QuantizedWeight result)
    {
        var row = new float[k];
        for (int r = 0; r < n; r++)
        {
            for (int i = 0; i < k; i++) row[i] = dead[i] ? 0 : wt[r * k + i];
            for (int b = 0; b < result.BlocksPerRow; b++) SetRowBlockParameters(row, result, r, b, b * result.Config.BlockSize);
        }
    }
}

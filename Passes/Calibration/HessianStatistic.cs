using Onnxc.Ir;
using Onnxc.Passes.Numerics;
using Tensor = Onnxc.Ir.Tensor;

namespace Onnxc.Passes.Calibration;

/// <summary>
/// XᵀX of the input X of a MatMul/Gemm (rows = all leading axes, columns = the K axis), accumulated in double,
/// sample by sample: the layer Hessian GPTQ and SparseGPT need. Memory is K² doubles whatever the sample count.
/// </summary>
public sealed class HessianStatistic : IActivationStatistic
{
    /// <summary>Rows of X buffered per rank update (the depth of the product).</summary>
    private const int RowBlock = 256;

    /// <summary>Rows of the sum per parallel task: a multiple of the product's register tile.</summary>
    private const int SumBlock = 8 * MatrixProduct.TileRows;
    private readonly double[] _sum;
    private readonly double[] _rows;
    private int _pending;

    public HessianStatistic(int k)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k));
        K = k;
        _sum = new double[(long)k * k];
        _rows = new double[RowBlock * k];
    }

    /// <summary>Columns of X (the reduction axis of the MatMul).</summary>
    public int K { get; }

    /// <summary>Rows of X seen so far (tokens, not samples).</summary>
    public long Rows { get; private set; }

    public int Samples { get; private set; }

    public void Accumulate(Tensor activation)
    {
        if (activation.Rank == 0 || activation.Dims[^1] != K)
        {
            throw new InvalidOperationException($"activation [{string.Join(",", activation.Dims)}] does not end in K={K}");
        }
        var values = ActivationValues.AsFloats(activation, out _);
        int rows = values.Length / K;
        for (int r = 0; r < rows; r++)
        {
            var row = values.Slice(r * K, K);
            var target = _rows.AsSpan(_pending * K, K);
            for (int j = 0; j < K; j++) target[j] = row[j];
            if (++_pending == RowBlock) Flush();
        }
        Rows += rows;
        Samples++;
    }

    /// <summary>The mean outer product XᵀX / rows as a K×K row-major array (a fresh copy).</summary>
    public double[] Mean()
    {
        Flush();
        var result = new double[_sum.Length];
        if (Rows == 0) return result;
        // Only the upper triangle is meaningful (diagonal tiles also wrote below it); mirror it.
        for (int i = 0; i < K; i++)
        {
            for (int j = i; j < K; j++)
            {
                double v = _sum[(long)i * K + j] / Rows;
                result[(long)i * K + j] = v;
                result[(long)j * K + i] = v;
            }
        }
        return result;
    }

    /// <summary>
    /// Adds the pending rows P [pending × K] as one rank-<c>pending</c> update sum += PᵀP (upper triangle only), a
    /// blocked SIMD product per block of sum's rows, blocks in parallel: each element of the sum is read and written
    /// once per flush instead of once per row, which made row-by-row rank-1 updates memory bound.
    /// </summary>
    private void Flush()
    {
        if (_pending == 0) return;
        var rows = MatrixView<double>.RowMajor(_rows, K);
        var sum = MatrixView<double>.RowMajor(_sum, K);
        int depth = _pending, blocks = (K + SumBlock - 1) / SumBlock;
        Parallel.For(0, blocks, b =>
        {
            int i0 = b * SumBlock, count = Math.Min(SumBlock, K - i0);
            MatrixProduct.MultiplyAdd(rows.At(0, i0).Transposed(), rows.At(0, i0), sum.At(i0, i0), count, K - i0, depth, 1.0, upperTriangle: true);
        });
        _pending = 0;
    }
}

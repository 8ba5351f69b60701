using System.Numerics.Tensors;
using Tensor = Onnxc.Ir.Tensor;
using Onnxc.Ir;

namespace Onnxc.Passes.Calibration;

/// <summary>
/// XᵀX of the input X of a MatMul/Gemm (rows = all leading axes, columns = the K axis), accumulated in double,
/// sample by sample: the layer Hessian GPTQ and SparseGPT need. Memory is K² doubles whatever the sample count.
/// </summary>
public sealed class HessianStatistic : IActivationStatistic
{
    private const int RowBlock = 64;
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
        // Only the upper triangle was accumulated; mirror it.
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

    /// <summary>Adds the pending rows: for each i, sum[i, i..] += Σ_r x_r[i]·x_r[i..] (upper triangle, SIMD along j).</summary>
    private void Flush()
    {
        for (int r = 0; r < _pending; r++)
        {
            var x = _rows.AsSpan(r * K, K);
            for (int i = 0; i < K; i++)
            {
                double xi = x[i];
                if (xi == 0) continue;
                var dest = _sum.AsSpan((int)((long)i * K + i), K - i);
                TensorPrimitives.MultiplyAdd(x[i..], xi, dest, dest);
            }
        }
        _pending = 0;
    }
}

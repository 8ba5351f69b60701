using Onnxc.Passes.Numerics;

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>
/// What GPTQ needs from a layer's input alone: which inputs are dead, the column order and the upper Cholesky factor
/// of the damped inverse Hessian in that order. Layers that read the same activation (BERT's Q, K and V projections)
/// share one instance, so the K×K factorization runs once per activation instead of once per layer.
/// </summary>
public sealed class GptqHessian
{
    private GptqHessian(int k, bool[] dead, int[] order, float[] factor, bool actOrder)
    {
        K = k;
        Dead = dead;
        Order = order;
        Factor = factor;
        ActOrder = actOrder;
    }

    public int K { get; }

    /// <summary>Inputs no calibration sample reached (H_ii = 0): their weights carry no information and are dropped.</summary>
    public bool[] Dead { get; }

    /// <summary>Processing position → original column (identity unless act-order).</summary>
    public int[] Order { get; }

    /// <summary>U (K×K row-major, upper) with H⁻¹ = UᵀU for the damped, reordered Hessian.</summary>
    public float[] Factor { get; }

    public bool ActOrder { get; }

    /// <summary>Damps <paramref name="hessian"/> (mean XᵀX, K×K; read only) and factors it for <paramref name="options"/>.</summary>
    public static GptqHessian Prepare(double[] hessian, int k, GptqOptions options)
    {
        if (hessian.Length != (long)k * k) throw new ArgumentException($"Hessian has {hessian.Length} entries, {k}x{k} expected", nameof(hessian));
        var dead = new bool[k];
        var diagonal = new double[k];
        for (int i = 0; i < k; i++)
        {
            diagonal[i] = hessian[(long)i * k + i];
            if (diagonal[i] == 0)
            {
                dead[i] = true;
                diagonal[i] = 1;
            }
        }
        double damp = options.DampPercent * diagonal.Sum() / k;
        var order = Enumerable.Range(0, k).ToArray();
        // Act-order: columns with the largest Hessian diagonal first (damping adds a constant, so it keeps the order).
        if (options.ActOrder) order = order.OrderByDescending(i => diagonal[i]).ThenBy(i => i).ToArray();
        // The damped Hessian in processing order; the factorization reads only its upper triangle.
        var damped = new double[(long)k * k];
        for (int i = 0; i < k; i++)
        {
            long source = (long)order[i] * k;
            for (int j = i + 1; j < k; j++) damped[(long)i * k + j] = hessian[source + order[j]];
            damped[(long)i * k + i] = diagonal[order[i]] + damp;
        }
        return new GptqHessian(k, dead, order, HessianFactorization.UpperCholeskyOfInverseAsFloat(damped, k), options.ActOrder);
    }
}

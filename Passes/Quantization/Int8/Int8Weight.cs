using Onnxc.Ir;

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>
/// A MatMul weight [K, N] quantized to symmetric int8: values row-major as the float weight was, and one scale
/// (per tensor) or N scales (per output column). Zero points are all 0.
/// </summary>
public sealed class Int8Weight
{
    private Int8Weight(sbyte[] values, float[] scales, int rows, int columns, WeightGranularity granularity, int qmax)
    {
        Values = values;
        Scales = scales;
        Rows = rows;
        Columns = columns;
        Granularity = granularity;
        QMax = qmax;
    }

    public sbyte[] Values { get; }

    public float[] Scales { get; }

    public int Rows { get; }

    public int Columns { get; }

    public WeightGranularity Granularity { get; }

    /// <summary>Largest magnitude used: 127, or 63 with reduced range.</summary>
    public int QMax { get; }

    /// <summary>The scale of column <paramref name="column"/>.</summary>
    public float ScaleOf(int column) => Granularity == WeightGranularity.PerChannel ? Scales[column] : Scales[0];

    /// <summary>
    /// Quantizes a row-major [rows, columns] weight. <paramref name="reduceRange"/> uses 7 bits ([-63, 63]) so that
    /// the u8×s8 pair sums of AVX2 kernels without VNNI cannot saturate 16-bit intermediates.
    /// </summary>
    public static Int8Weight Quantize(ReadOnlySpan<float> weight, int rows, int columns, WeightGranularity granularity, bool reduceRange)
    {
        if (weight.Length != (long)rows * columns) throw new ArgumentException($"{weight.Length} values do not fill [{rows}, {columns}]", nameof(weight));
        int qmax = reduceRange ? 63 : 127;
        var absMax = new float[granularity == WeightGranularity.PerChannel ? columns : 1];
        for (int r = 0; r < rows; r++)
        {
            var row = weight.Slice(r * columns, columns);
            for (int c = 0; c < columns; c++)
            {
                int slot = granularity == WeightGranularity.PerChannel ? c : 0;
                float magnitude = MathF.Abs(row[c]);
                if (magnitude > absMax[slot]) absMax[slot] = magnitude;
            }
        }
        var parameters = absMax.Select(m => QuantParams.Symmetric(m, qmax)).ToArray();
        var values = new sbyte[weight.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                int at = r * columns + c;
                values[at] = (sbyte)parameters[granularity == WeightGranularity.PerChannel ? c : 0].Quantize(weight[at], -qmax, qmax);
            }
        }
        return new Int8Weight(values, parameters.Select(p => p.Scale).ToArray(), rows, columns, granularity, qmax);
    }

    /// <summary>The float weight this int8 weight stands for (values times their column's scale).</summary>
    public float[] Dequantize()
    {
        var result = new float[Values.Length];
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Columns; c++) result[r * Columns + c] = Values[r * Columns + c] * ScaleOf(c);
        }
        return result;
    }

    /// <summary>The values as an int8 tensor [rows, columns].</summary>
    public Tensor ValuesTensor() => Tensor.FromArray(Values, Rows, Columns);

    /// <summary>Scales as a scalar (per tensor) or a vector [N] (per channel).</summary>
    public Tensor ScalesTensor() => Granularity == WeightGranularity.PerChannel ? Tensor.Vector(Scales) : Tensor.Scalar(Scales[0]);

    /// <summary>All-zero int8 zero points shaped like <see cref="ScalesTensor"/>.</summary>
    public Tensor ZeroPointsTensor() => Granularity == WeightGranularity.PerChannel
        ? Tensor.Vector(new sbyte[Columns])
        : Tensor.Scalar((sbyte)0);
}

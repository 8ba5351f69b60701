using Onnxc.Ir;

namespace Onnxc.Passes.Cleanup.Folding;

/// <summary>
/// Cast between bool, integer, float and double as the runtime's static_cast does. Float-to-integer casts of NaN or
/// out-of-range values are undefined in C++, so those are not folded (null).
/// </summary>
internal static class CastMath
{
    private static readonly DataType[] IntegerTargets =
        { DataType.Int64, DataType.Int32, DataType.Int16, DataType.Int8, DataType.UInt8, DataType.UInt16, DataType.UInt32 };

    public static HostTensor? Cast(HostTensor x, DataType to)
    {
        if (x.ElementType == to) return x;
        bool knownTarget = to is DataType.Float or DataType.Double or DataType.Bool || IntegerTargets.Contains(to);
        if (!knownTarget) return null;
        if (x.ElementType == DataType.Float) return FromFloating(x.Span<float>().ToArray().Select(v => (double)v).ToArray(), to, fromFloat: x.Span<float>().ToArray(), x.Dims);
        if (x.ElementType == DataType.Double) return FromFloating(x.Span<double>().ToArray(), to, fromFloat: null, x.Dims);
        if (x.AsInt64s() is { } ints) return FromIntegers(ints, to, x.Dims);
        return null;
    }

    private static HostTensor? FromIntegers(long[] values, DataType to, long[] dims) => to switch
    {
        DataType.Float => HostTensor.Of(dims, values.Select(v => (float)v).ToArray()),
        DataType.Double => HostTensor.Of(dims, values.Select(v => (double)v).ToArray()),
        DataType.Bool => HostTensor.OfBools(dims, values.Select(v => v != 0).ToArray()),
        _ => Integers(values, to, dims),
    };

    private static HostTensor? FromFloating(double[] values, DataType to, float[]? fromFloat, long[] dims)
    {
        switch (to)
        {
            case DataType.Float: return HostTensor.Of(dims, fromFloat ?? values.Select(v => (float)v).ToArray());
            case DataType.Double: return HostTensor.Of(dims, values);
            case DataType.Bool: return HostTensor.OfBools(dims, values.Select(v => v != 0 || double.IsNaN(v)).ToArray());
        }
        var (min, max) = Range(to);
        var truncated = new long[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double t = Math.Truncate(values[i]);
            if (double.IsNaN(t) || t < min || t > max) return null;
            truncated[i] = (long)t;
        }
        return Integers(truncated, to, dims);
    }

    /// <summary>Integer narrowing wraps (two's complement), as static_cast between integer types does.</summary>
    private static HostTensor? Integers(long[] values, DataType to, long[] dims) => to switch
    {
        DataType.Int64 => HostTensor.Of(dims, values),
        DataType.Int32 => HostTensor.Of(dims, values.Select(v => unchecked((int)v)).ToArray()),
        DataType.Int16 => HostTensor.Of(dims, values.Select(v => unchecked((short)v)).ToArray()),
        DataType.Int8 => HostTensor.Of(dims, values.Select(v => unchecked((sbyte)v)).ToArray()),
        DataType.UInt8 => HostTensor.Of(dims, values.Select(v => unchecked((byte)v)).ToArray()),
        DataType.UInt16 => HostTensor.Of(dims, values.Select(v => unchecked((ushort)v)).ToArray()),
        DataType.UInt32 => HostTensor.Of(dims, values.Select(v => unchecked((uint)v)).ToArray()),
        _ => null,
    };

    // Bounds below 2^63 so the double comparison is exact for int64.
    private static (double Min, double Max) Range(DataType to) => to switch
    {
        DataType.Int64 => (-9.2233720368547758e18, 9.2233720368547748e18),
        DataType.Int32 => (int.MinValue, int.MaxValue),
        DataType.Int16 => (short.MinValue, short.MaxValue),
        DataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        DataType.UInt8 => (0, byte.MaxValue),
        DataType.UInt16 => (0, ushort.MaxValue),
        _ => (0, uint.MaxValue),
    };
}

using System.Numerics;
using Onnxc.Ir;

namespace Onnxc.Passes.Cleanup.Folding;

/// <summary>
/// Elementwise arithmetic for folding, in the element type itself (float math in float32, as ONNX Runtime's CPU
/// kernels compute it) so folded results are bit-identical to what the runtime would have produced.
/// Returns null for types or values the folder does not handle (the node then stays).
/// </summary>
internal static class ElementwiseMath
{
    public static HostTensor? Binary(string op, HostTensor a, HostTensor b)
    {
        if (a.ElementType != b.ElementType) return null;
        return a.ElementType switch
        {
            DataType.Float => Binary<float>(op, a, b),
            DataType.Double => Binary<double>(op, a, b),
            DataType.Int64 => Binary<long>(op, a, b),
            DataType.Int32 => Binary<int>(op, a, b),
            _ => null,
        };
    }

    public static HostTensor? Unary(string op, HostTensor x) => x.ElementType switch
    {
        DataType.Float => Unary<float>(op, x, MathF.Sqrt),
        DataType.Double => Unary<double>(op, x, Math.Sqrt),
        DataType.Int64 when op != "Sqrt" => Unary<long>(op, x, null),
        DataType.Int32 when op != "Sqrt" => Unary<int>(op, x, null),
        _ => null,
    };

    public static HostTensor? Compare(string op, HostTensor a, HostTensor b)
    {
        if (a.ElementType != b.ElementType) return null;
        return a.ElementType switch
        {
            DataType.Float => Compare<float>(op, a, b),
            DataType.Double => Compare<double>(op, a, b),
            DataType.Int64 => Compare<long>(op, a, b),
            DataType.Int32 => Compare<int>(op, a, b),
            DataType.Bool when op == "Equal" => Compare<byte>(op, a, b),
            _ => null,
        };
    }

    private static HostTensor? Binary<T>(string op, HostTensor a, HostTensor b) where T : unmanaged, INumber<T>
    {
        if (IndexMath.Broadcast(new[] { a.Dims, b.Dims }) is not { } dims) return null;
        var x = a.Span<T>();
        var y = b.Span<T>();
        var ia = IndexMath.BroadcastSources(a.Dims, dims);
        var ib = IndexMath.BroadcastSources(b.Dims, dims);
        var result = new T[ia.Length];
        bool isInteger = typeof(T) == typeof(long) || typeof(T) == typeof(int);
        if (op == "Pow") return isInteger ? null : Pow(a, b, dims, ia, ib);
        for (long i = 0; i < result.LongLength; i++)
        {
            T p = x[(int)ia[i]], q = y[(int)ib[i]];
            switch (op)
            {
                case "Add": result[i] = unchecked(p + q); break;
                case "Sub": result[i] = unchecked(p - q); break;
                case "Mul": result[i] = unchecked(p * q); break;
                case "Div":
                    // Integer division by zero is undefined behaviour in the runtime: leave it to run time.
                    if (isInteger && T.IsZero(q)) return null;
                    result[i] = p / q;
                    break;
                default: return null;
            }
        }
        return HostTensor.Of(dims, result);
    }

    /// <summary>
    /// ONNX Runtime's Pow: a scalar exponent of 2 or 3 is computed as x*x or x*x*x, anything else with the C library's
    /// pow in the element type; .NET's MathF.Pow/Math.Pow call the same C library functions.
    /// </summary>
    private static HostTensor? Pow(HostTensor a, HostTensor b, long[] dims, long[] ia, long[] ib)
    {
        bool scalarExponent = b.Count == 1;
        if (a.ElementType == DataType.Float)
        {
            var x = a.Span<float>();
            var y = b.Span<float>();
            var result = new float[ia.Length];
            for (long i = 0; i < result.LongLength; i++)
            {
                float p = x[(int)ia[i]], q = y[(int)ib[i]];
                result[i] = scalarExponent && q == 2f ? p * p : scalarExponent && q == 3f ? p * p * p : MathF.Pow(p, q);
            }
            return HostTensor.Of(dims, result);
        }
        else
        {
            var x = a.Span<double>();
            var y = b.Span<double>();
            var result = new double[ia.Length];
            for (long i = 0; i < result.LongLength; i++)
            {
                double p = x[(int)ia[i]], q = y[(int)ib[i]];
                result[i] = scalarExponent && q == 2 ? p * p : scalarExponent && q == 3 ? p * p * p : Math.Pow(p, q);
            }
            return HostTensor.Of(dims, result);
        }
    }

    private static HostTensor? Unary<T>(string op, HostTensor x, Func<T, T>? sqrt) where T : unmanaged, INumber<T>
    {
        var input = x.Span<T>();
        var result = new T[input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            switch (op)
            {
                case "Neg": result[i] = unchecked(-input[i]); break;
                case "Abs": result[i] = unchecked(T.Abs(input[i])); break;
                case "Sqrt" when sqrt is not null: result[i] = sqrt(input[i]); break;
                default: return null;
            }
        }
        return HostTensor.Of(x.Dims, result);
    }

    private static HostTensor? Compare<T>(string op, HostTensor a, HostTensor b) where T : unmanaged, INumber<T>
    {
        if (IndexMath.Broadcast(new[] { a.Dims, b.Dims }) is not { } dims) return null;
        var x = a.Span<T>();
        var y = b.Span<T>();
        var ia = IndexMath.BroadcastSources(a.Dims, dims);
        var ib = IndexMath.BroadcastSources(b.Dims, dims);
        var result = new bool[ia.Length];
        for (long i = 0; i < result.LongLength; i++)
        {
            T p = x[(int)ia[i]], q = y[(int)ib[i]];
            result[i] = op switch
            {
                "Equal" => p == q,
                "Less" => p < q,
                "Greater" => p > q,
                "LessOrEqual" => p <= q,
                _ => p >= q,
            };
        }
        return HostTensor.OfBools(dims, result);
    }
}

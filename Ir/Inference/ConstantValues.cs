namespace Onnxc.Ir.Inference;

/// <summary>
/// Evaluates small integer tensors that shape arithmetic is made of (Shape→Gather→Unsqueeze→Concat→Reshape and the
/// like) without running the model. Elements may stay symbolic ("batch" read by Shape) so symbolic dims flow into
/// Reshape targets. Results are cached per value; tensors above <see cref="MaxElements"/> are not tracked.
/// Reused by constant folding, which reads only fully known results (<see cref="TryGetInt64s"/>).
/// </summary>
public sealed class ConstantValues
{
    /// <summary>Default size limit: shape tensors are tiny, and larger ones are not worth the memory.</summary>
    public const int DefaultMaxElements = 1024;

    private readonly Dictionary<Value, KnownTensor?> _cache = new();

    public ConstantValues(int maxElements = DefaultMaxElements) => MaxElements = maxElements;

    public int MaxElements { get; }

    /// <summary>The known contents of <paramref name="value"/> (elements possibly symbolic), or null.</summary>
    public KnownTensor? TryGet(Value? value)
    {
        if (value is null) return null;
        if (_cache.TryGetValue(value, out var known)) return known;
        known = Compute(value);
        _cache[value] = known;
        return known;
    }

    /// <summary>The values as numbers when all are known, else null.</summary>
    public long[]? TryGetInt64s(Value? value) => TryGet(value)?.Values;

    /// <summary>The single known number of a one-element tensor, else null.</summary>
    public long? TryGetScalar(Value? value) => TryGet(value) is { Elements: [{ IsStatic: true } only] } ? only.Value : null;

    /// <summary>Elements as dims (for shape tensors), when the tensor is 0-D or 1-D.</summary>
    public Dim[]? TryGetDims(Value? value) => TryGet(value) is { Rank: <= 1 } known ? known.Elements : null;

    /// <summary>A one-element numeric constant (any element type) as a double, read from an initializer or Constant.</summary>
    public static double? TryGetScalarDouble(Value? value)
    {
        var tensor = ConstantTensor(value);
        if (tensor is null || tensor.ElementCount != 1 || tensor is StringTensor) return null;
        return tensor.ElementType switch
        {
            DataType.Float => tensor.AsSpan<float>()[0],
            DataType.Double => tensor.AsSpan<double>()[0],
            DataType.Float16 => (double)tensor.AsSpan<Half>()[0],
            _ => ReadIntegers(tensor) is { } ints ? ints[0] : null,
        };
    }

    /// <summary>The tensor behind an initializer (not an overridable one) or a Constant node's value attribute.</summary>
    public static Tensor? ConstantTensor(Value? value)
    {
        if (value is null) return null;
        if (value.Initializer is { } init) return value.IsGraphInput ? null : init;
        if (value.Producer is { } p && p.Is("Constant") && p.GetAttribute("value") is { Kind: AttributeKind.Tensor } a) return a.AsTensor();
        return null;
    }

    /// <summary>Forgets a cached result (after a pass rewrites the value's producer).</summary>
    public void Forget(Value value) => _cache.Remove(value);

    public void Clear() => _cache.Clear();

    private KnownTensor? Compute(Value value)
    {
        if (value.Initializer is { } tensor) return value.IsGraphInput ? null : FromTensor(tensor);
        if (value.Producer is not { } node || (node.Domain.Length > 0 && node.Domain != "ai.onnx")) return null;
        try
        {
            var result = ConstantEvaluator.Evaluate(this, node, value);
            return result is null || result.Elements.Length > MaxElements ? null : result;
        }
        catch (Exception e) when (e is ShapeInferenceException or OverflowException or DivideByZeroException or InvalidOperationException or ArgumentException)
        {
            // Malformed constants are reported by inference proper; here they just mean "not known".
            return null;
        }
    }

    /// <summary>An integer or bool tensor as known elements, when small enough.</summary>
    internal KnownTensor? FromTensor(Tensor tensor)
    {
        if (tensor.ElementCount > MaxElements || ReadIntegers(tensor) is not { } values) return null;
        return new KnownTensor(tensor.ElementType, tensor.Dims.ToArray(), values.Select(v => Dim.Of(v)).ToArray());
    }

    private static long[]? ReadIntegers(Tensor tensor) => tensor.ElementType switch
    {
        DataType.Int64 => tensor.ToArray<long>(),
        DataType.Int32 => tensor.AsSpan<int>().ToArray().Select(v => (long)v).ToArray(),
        DataType.Int16 => tensor.AsSpan<short>().ToArray().Select(v => (long)v).ToArray(),
        DataType.Int8 => tensor.AsSpan<sbyte>().ToArray().Select(v => (long)v).ToArray(),
        DataType.UInt8 or DataType.Bool => tensor.AsSpan<byte>().ToArray().Select(v => (long)v).ToArray(),
        DataType.UInt16 => tensor.AsSpan<ushort>().ToArray().Select(v => (long)v).ToArray(),
        DataType.UInt32 => tensor.AsSpan<uint>().ToArray().Select(v => (long)v).ToArray(),
        DataType.UInt64 => tensor.AsSpan<ulong>().ToArray().Select(v => unchecked((long)v)).ToArray(),
        _ => null,
    };
}

using System.Runtime.InteropServices;

namespace Onnxc.Ir;

/// <summary>
/// A constant tensor. Subclasses differ only in where the bytes live (managed memory, a memory-mapped
/// external file, or a transform computed when first asked for), so passes never copy weights needlessly.
/// Bytes are in ONNX raw_data layout: little-endian, sub-byte types packed low bits first.
/// </summary>
public abstract class Tensor
{
    protected Tensor(DataType elementType, IReadOnlyList<long> dims)
    {
        ElementType = elementType;
        Dims = dims.ToArray();
        foreach (var d in Dims)
        {
            if (d < 0) throw new ArgumentException($"tensor dimension {d} is negative", nameof(dims));
        }
        ElementCount = Dims.Aggregate(1L, (acc, d) => checked(acc * d));
    }

    public DataType ElementType { get; }

    public IReadOnlyList<long> Dims { get; }

    public long ElementCount { get; }

    /// <summary>Size of the packed data in bytes (0 for string tensors, whose size depends on the strings).</summary>
    public long ByteLength => ElementType == DataType.String ? 0 : ElementType.ByteCount(ElementCount);

    public int Rank => Dims.Count;

    public TensorType Type => new(ElementType, Shape.Of(Dims.ToArray()));

    /// <summary>The name the tensor had in the file; kept for diagnostics, the owning value's name wins.</summary>
    public string? Name { get; init; }

    public string? DocString { get; init; }

    /// <summary>The packed bytes. Mapped tensors return a view of the mapping; lazy ones compute on first call.</summary>
    public abstract ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>Whether reading <see cref="Bytes"/> is cheap (no computation pending).</summary>
    public virtual bool IsMaterialized => true;

    /// <summary>Writes the packed bytes to a stream without an intermediate copy where possible.</summary>
    public virtual void WriteTo(Stream stream) => stream.Write(Bytes.Span);

    /// <summary>Elements reinterpreted as <typeparamref name="T"/> (caller picks the type matching <see cref="ElementType"/>).</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(Bytes.Span);

    public T[] ToArray<T>() where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>Whether two tensors hold the same type, shape and bytes.</summary>
    public bool ContentEquals(Tensor other)
    {
        if (ElementType != other.ElementType || !Dims.SequenceEqual(other.Dims)) return false;
        if (this is StringTensor a && other is StringTensor b)
        {
            return a.Strings.Count == b.Strings.Count && a.Strings.Zip(b.Strings).All(p => p.First.AsSpan().SequenceEqual(p.Second));
        }
        return Bytes.Span.SequenceEqual(other.Bytes.Span);
    }

    public override string ToString() => $"tensor<{Type}>";

    /// <summary>A tensor over managed memory holding the given elements.</summary>
    public static DenseTensor FromArray<T>(T[] data, params long[] dims) where T : unmanaged
    {
        var type = ElementTypeOf<T>();
        long count = dims.Aggregate(1L, (acc, d) => acc * d);
        if (count != data.Length) throw new ArgumentException($"{data.Length} elements do not fill shape [{string.Join(",", dims)}]");
        return new DenseTensor(type, dims, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
    }

    public static DenseTensor Scalar<T>(T value) where T : unmanaged => FromArray(new[] { value });

    public static DenseTensor Vector<T>(params T[] values) where T : unmanaged => FromArray(values, values.Length);

    /// <summary>The element type that a CLR type stands for.</summary>
    public static DataType ElementTypeOf<T>() where T : unmanaged => default(T) switch
    {
        float => DataType.Float,
        double => DataType.Double,
        long => DataType.Int64,
        int => DataType.Int32,
        short => DataType.Int16,
        sbyte => DataType.Int8,
        byte => DataType.UInt8,
        ulong => DataType.UInt64,
        uint => DataType.UInt32,
        ushort => DataType.UInt16,
        bool => DataType.Bool,
        Half => DataType.Float16,
        _ => throw new NotSupportedException($"no ONNX element type for {typeof(T).Name}"),
    };
}

using System.Runtime.InteropServices;
using Onnxc.Ir;

namespace Onnxc.Passes.Cleanup.Folding;

/// <summary>
/// A small constant held in managed memory while constant folding evaluates it: element type, dims and the packed
/// bytes (ONNX raw_data layout, so it becomes an initializer without conversion). Only byte-aligned types.
/// </summary>
internal sealed class HostTensor
{
    public HostTensor(DataType elementType, long[] dims, byte[] bytes)
    {
        ElementType = elementType;
        Dims = dims;
        Bytes = bytes;
        Count = dims.Aggregate(1L, (acc, d) => checked(acc * d));
        if (bytes.Length != Count * ElementSize) throw new ArgumentException($"{bytes.Length} bytes do not fill {elementType.ShortName()}[{string.Join(",", dims)}]");
    }

    public DataType ElementType { get; }

    public long[] Dims { get; }

    public byte[] Bytes { get; }

    public long Count { get; }

    public int Rank => Dims.Length;

    public int ElementSize => ElementType.BitWidth() / 8;

    /// <summary>Whether folding can hold this element type (fixed width, at least one byte per element).</summary>
    public static bool Supports(DataType type) => type != DataType.String && type != DataType.Undefined && type.BitWidth() >= 8 && type.BitWidth() % 8 == 0;

    public static HostTensor? FromTensor(Tensor tensor) =>
        tensor is StringTensor || !Supports(tensor.ElementType) ? null : new HostTensor(tensor.ElementType, tensor.Dims.ToArray(), tensor.Bytes.ToArray());

    public static HostTensor Of<T>(long[] dims, T[] values) where T : unmanaged =>
        new(Tensor.ElementTypeOf<T>(), dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static HostTensor OfBools(long[] dims, bool[] values) =>
        new(DataType.Bool, dims, values.Select(v => v ? (byte)1 : (byte)0).ToArray());

    public Tensor ToTensor() => new DenseTensor(ElementType, Dims, Bytes);

    public ReadOnlySpan<T> Span<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(Bytes);

    /// <summary>Integer elements widened to long (the types shape tensors and indices use), else null.</summary>
    public long[]? AsInt64s() => ElementType switch
    {
        DataType.Int64 => Span<long>().ToArray(),
        DataType.Int32 => Span<int>().ToArray().Select(v => (long)v).ToArray(),
        DataType.Int16 => Span<short>().ToArray().Select(v => (long)v).ToArray(),
        DataType.Int8 => Span<sbyte>().ToArray().Select(v => (long)v).ToArray(),
        DataType.UInt8 or DataType.Bool => Bytes.Select(v => (long)v).ToArray(),
        DataType.UInt16 => Span<ushort>().ToArray().Select(v => (long)v).ToArray(),
        DataType.UInt32 => Span<uint>().ToArray().Select(v => (long)v).ToArray(),
        _ => null,
    };

    /// <summary>The same elements with other dims (Reshape, Squeeze, Unsqueeze, Flatten).</summary>
    public HostTensor WithDims(long[] dims) => new(ElementType, dims, Bytes);

    /// <summary>Elements picked by flat source index, in order (the core of every data-movement op).</summary>
    public HostTensor Gather(long[] dims, long[] sourceIndices)
    {
        int size = ElementSize;
        var bytes = new byte[sourceIndices.LongLength * size];
        for (long i = 0; i < sourceIndices.LongLength; i++)
        {
            Buffer.BlockCopy(Bytes, checked((int)(sourceIndices[i] * size)), bytes, checked((int)(i * size)), size);
        }
        return new HostTensor(ElementType, dims, bytes);
    }

    public override string ToString() => $"{ElementType.ShortName()}[{string.Join(",", Dims)}]";
}

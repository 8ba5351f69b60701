namespace Onnxc.Ir;

/// <summary>A tensor whose packed bytes are in managed memory (possibly a slice of a parsed protobuf buffer).</summary>
public sealed class DenseTensor : Tensor
{
    private readonly ReadOnlyMemory<byte> _bytes;

    public DenseTensor(DataType elementType, IReadOnlyList<long> dims, ReadOnlyMemory<byte> bytes) : base(elementType, dims)
    {
        if (elementType == DataType.String) throw new ArgumentException("string tensors are StringTensor", nameof(elementType));
        if (bytes.Length != ByteLength)
        {
            throw new ArgumentException($"{elementType.ShortName()}[{string.Join(",", dims)}] needs {ByteLength} bytes, got {bytes.Length}");
        }
        _bytes = bytes;
    }

    public override ReadOnlyMemory<byte> Bytes => _bytes;
}

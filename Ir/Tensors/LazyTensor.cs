namespace Onnxc.Ir;

/// <summary>
/// A tensor whose bytes are computed from others only when needed (usually at export), so a transform of a
/// large weight (quantize, prune, transpose) does not hold a second copy until it is written out.
/// </summary>
public sealed class LazyTensor : Tensor
{
    private readonly Func<ReadOnlyMemory<byte>> _compute;
    private ReadOnlyMemory<byte>? _cached;

    public LazyTensor(DataType elementType, IReadOnlyList<long> dims, Func<ReadOnlyMemory<byte>> compute) : base(elementType, dims)
    {
        if (elementType == DataType.String) throw new ArgumentException("lazy string tensors are not supported", nameof(elementType));
        _compute = compute;
    }

    public override bool IsMaterialized => _cached.HasValue;

    public override ReadOnlyMemory<byte> Bytes
    {
        get
        {
            if (_cached is { } cached) return cached;
            var bytes = _compute();
            if (bytes.Length != ByteLength)
            {
                throw new InvalidOperationException($"lazy tensor produced {bytes.Length} bytes, {ByteLength} expected");
            }
            _cached = bytes;
            return bytes;
        }
    }

    /// <summary>Writes the computed bytes without caching them, so export keeps one transformed weight alive at a time.</summary>
    public override void WriteTo(Stream stream)
    {
        if (_cached is { } cached)
        {
            stream.Write(cached.Span);
            return;
        }
        var bytes = _compute();
        if (bytes.Length != ByteLength) throw new InvalidOperationException($"lazy tensor produced {bytes.Length} bytes, {ByteLength} expected");
        stream.Write(bytes.Span);
    }
}

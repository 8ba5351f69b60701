using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Onnxc.Ir;

/// <summary>A tensor stored in an external data file, read through a shared memory mapping (no copy).</summary>
public sealed class ExternalTensor : Tensor
{
    public ExternalTensor(DataType elementType, IReadOnlyList<long> dims, MappedFile file, long offset) : base(elementType, dims)
    {
        if (elementType == DataType.String) throw new ArgumentException("string tensors cannot be external", nameof(elementType));
        if (offset < 0 || offset + ByteLength > file.Length)
        {
            throw new ArgumentException($"external data [{offset}, {offset + ByteLength}) lies outside '{file.Path}' ({file.Length} bytes)");
        }
        File = file;
        Offset = offset;
    }

    public MappedFile File { get; }

    public long Offset { get; }

    public override ReadOnlyMemory<byte> Bytes => File.Slice(Offset, ByteLength);
}

/// <summary>A read-only memory mapping of one external data file, shared by all tensors stored in it.</summary>
public sealed class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly unsafe byte* _base;
    private bool _disposed;

    public unsafe MappedFile(string path)
    {
        Path = path;
        Length = new FileInfo(path).Length;
        if (Length == 0) return;
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    public string Path { get; }

    public long Length { get; }

    public unsafe ReadOnlyMemory<byte> Slice(long offset, long length)
    {
        if (length == 0) return ReadOnlyMemory<byte>.Empty;
        if (length > int.MaxValue) throw new NotSupportedException($"a single tensor of {length} bytes exceeds 2 GiB, which .NET memory views cannot address");
        return new PointerMemoryManager(_base + offset, (int)length).Memory;
    }

    public void Dispose()
    {
        // Idempotent: an importer that fails hands the mapping back to more than one owner's clean-up.
        if (_view is null || _disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map!.Dispose();
    }

    private sealed unsafe class PointerMemoryManager(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}

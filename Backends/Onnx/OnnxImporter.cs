using Google.Protobuf;
using Onnxc.Backends.Onnx.Import;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx;

/// <summary>
/// Reads ONNX models (.onnx, with external data) into the IR. Malformed input throws <see cref="OnnxcException"/>
/// with a diagnostic naming the file, node or value; the returned model owns its external data mappings.
/// </summary>
public static class OnnxImporter
{
    /// <summary>Protobuf nesting allowed: deep If/Loop nests need more than the library's default of 100.</summary>
    private const int RecursionLimit = 1000;

    /// <summary>Loads a model file; external data is memory-mapped from the model's folder.</summary>
    public static Model Load(string path, ImportOptions? options = null)
    {
        options ??= new ImportOptions();
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new OnnxcException(DiagnosticIds.FileNotFound, $"model file '{path}' does not exist", location: full);
        }
        if (new FileInfo(full).Length == 0) throw new OnnxcException(DiagnosticIds.EmptyFile, $"model file '{path}' is empty", location: full);
        return WithLocation(full, () =>
        {
            var baseDirectory = options.ExternalDataDirectory ?? Path.GetDirectoryName(full);
            if (LoadMapped(full, baseDirectory, options) is { } mapped) return mapped;
            ModelProto proto;
            using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            {
                proto = Parse(CodedInputStream.CreateWithLimits(stream, int.MaxValue, RecursionLimit));
            }
            return Convert(proto, baseDirectory, options);
        });
    }

    /// <summary>
    /// Imports through a memory mapping of the file: the large inline weights stay in the mapping (see
    /// <see cref="InlineTensorMap"/>); null when the file holds none, so the caller parses it as usual.
    /// </summary>
    private static Model? LoadMapped(string path, string? baseDirectory, ImportOptions options)
    {
        long length = new FileInfo(path).Length;
        if (length < options.MapInlineTensorsOfAtLeast || length > int.MaxValue) return null;
        var file = new MappedFile(path);
        try
        {
            if (InlineTensorMap.Build(file.Slice(0, length).Span, options.MapInlineTensorsOfAtLeast) is not { } map)
            {
                file.Dispose();
                return null;
            }
            using var stream = new MemoryStream(map.Skeleton, writable: false);
            var proto = Parse(CodedInputStream.CreateWithLimits(stream, int.MaxValue, RecursionLimit));
            foreach (var payload in map.Payloads)
            {
                proto.Graph.Initializer[payload.Initializer].RawData = UnsafeByteOperations.UnsafeWrap(file.Slice(payload.Offset, payload.Length));
            }
            return ModelReader.Read(proto, baseDirectory, options.CheckOpsetImports, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Loads a model from serialized bytes; external data is resolved under <paramref name="baseDirectory"/>.</summary>
    public static Model Load(ReadOnlyMemory<byte> bytes, string? baseDirectory, ImportOptions? options = null)
    {
        options ??= new ImportOptions();
        if (bytes.IsEmpty) throw new OnnxcException(DiagnosticIds.EmptyFile, "the model bytes are empty");
        return WithLocation(null, () =>
        {
            using var stream = new ReadOnlyMemoryStream(bytes);
            var proto = Parse(CodedInputStream.CreateWithLimits(stream, int.MaxValue, RecursionLimit));
            return Convert(proto, options.ExternalDataDirectory ?? baseDirectory, options);
        });
    }

    private static ModelProto Parse(CodedInputStream input)
    {
        try
        {
            var proto = ModelProto.Parser.ParseFrom(input);
            return proto;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxcException(DiagnosticIds.MalformedProtobuf, $"the file is not a valid ONNX protobuf: {e.Message}",
                hint: "the file is truncated, corrupt, or not an ONNX model", inner: e);
        }
    }

    private static Model Convert(ModelProto proto, string? baseDirectory, ImportOptions options)
    {
        var model = ModelReader.Read(proto, baseDirectory, options.CheckOpsetImports);
        return model;
    }

    /// <summary>Adds the model path to diagnostics raised while reading it.</summary>
    private static Model WithLocation(string? path, Func<Model> read)
    {
        try
        {
            return read();
        }
        catch (OnnxcException e) when (path is not null && e.Diagnostic.Location is null)
        {
            throw new OnnxcException(e.Diagnostic with { Location = path }, e.InnerException);
        }
    }

    /// <summary>A read-only stream over memory, so CodedInputStream's raised limits apply to the bytes overload too.</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => memory.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

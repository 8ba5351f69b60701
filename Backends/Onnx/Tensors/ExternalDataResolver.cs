using System.Globalization;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx.Tensors;

/// <summary>
/// Turns TensorProto external_data references into <see cref="ExternalTensor"/>s. Each data file is mapped once
/// and shared; locations must be relative paths that stay inside the model's folder, symlinks included.
/// </summary>
internal sealed class ExternalDataResolver
{
    private readonly string? _baseDirectory;
    private readonly string? _realBase;
    private readonly Dictionary<string, MappedFile> _files = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _owner;

    /// <param name="baseDirectory">The model's folder; null when the model came from bytes without one.</param>
    /// <param name="owner">Receives every mapping opened, so the model releases them when disposed.</param>
    public ExternalDataResolver(string? baseDirectory, List<IDisposable> owner)
    {
        _owner = owner;
        if (baseDirectory is null) return;
        _baseDirectory = Path.GetFullPath(baseDirectory);
        _realBase = RealPath.Of(_baseDirectory);
    }

    public ExternalTensor Resolve(TensorProto proto, DataType type, long[] dims, string where)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (var entry in proto.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = ParseNumber(entry, where); break;
                case "length": length = ParseNumber(entry, where); break;
            }
        }
        if (string.IsNullOrEmpty(location))
        {
            throw new OnnxcException(DiagnosticIds.ExternalDataInvalid, $"tensor {where} is marked external but has no 'location' key",
                hint: "external_data must name the data file relative to the model");
        }
        var file = Open(location, where);
        long byteLength = type.ByteCount(dims.Aggregate(1L, (a, d) => checked(a * d)));
        if (length is { } declared && declared != byteLength)
        {
            throw new OnnxcException(DiagnosticIds.ExternalDataOutOfRange,
                $"tensor {where} declares length {declared} in '{location}' but {type.ShortName()}[{string.Join(",", dims)}] needs {byteLength} bytes");
        }
        if (offset < 0 || offset > file.Length || byteLength > file.Length - offset)
        {
            throw new OnnxcException(DiagnosticIds.ExternalDataOutOfRange,
                $"tensor {where} reads bytes [{offset}, {offset + byteLength}) of '{location}', which has {file.Length} bytes",
                location: file.Path, hint: "the data file is truncated or belongs to another model");
        }
        return new ExternalTensor(type, dims, file, offset) { Name = proto.HasName ? proto.Name : null, DocString = proto.HasDocString ? proto.DocString : null };
    }

    private MappedFile Open(string location, string where)
    {
        if (_baseDirectory is null || _realBase is null)
        {
            throw new OnnxcException(DiagnosticIds.ExternalDataMissing, $"tensor {where} refers to external file '{location}' but the model was loaded from bytes without a base directory",
                hint: "load the model from its file, or pass the folder that holds its data");
        }
        if (Path.IsPathRooted(location) || location.Split('/', '\\').Contains(".."))
        {
            throw Escapes(location, where);
        }
        var full = Path.GetFullPath(Path.Combine(_baseDirectory, location));
        if (!IsUnder(full, _baseDirectory)) throw Escapes(location, where);
        if (!File.Exists(full))
        {
            throw new OnnxcException(DiagnosticIds.ExternalDataMissing, $"tensor {where} refers to external data file '{location}', which does not exist",
                location: full, hint: "copy the data file next to the model");
        }
        var real = RealPath.Of(full);
        if (!IsUnder(real, _realBase)) throw Escapes(location, where);
        if (_files.TryGetValue(real, out var mapped)) return mapped;
        try
        {
            mapped = new MappedFile(real);
        }
        catch (IOException e)
        {
            throw new OnnxcException(DiagnosticIds.ExternalDataMissing, $"cannot map external data file '{location}' of tensor {where}: {e.Message}", location: full, inner: e);
        }
        _files.Add(real, mapped);
        _owner.Add(mapped);
        return mapped;
    }

    private static bool IsUnder(string path, string directory)
    {
        var dir = Path.TrimEndingDirectorySeparator(directory) + Path.DirectorySeparatorChar;
        return path.StartsWith(dir, StringComparison.Ordinal);
    }

    private static OnnxcException Escapes(string location, string where) =>
        new(DiagnosticIds.ExternalDataEscapes, $"tensor {where} refers to external data '{location}', which lies outside the model's folder",
            hint: "external data locations must be relative paths inside the model's folder (no '..', absolute paths or symlinks leading out)");

    private static long ParseNumber(StringStringEntryProto entry, string where)
    {
        if (long.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        throw new OnnxcException(DiagnosticIds.ExternalDataInvalid, $"tensor {where} has external_data {entry.Key}='{entry.Value}', which is not a non-negative integer");
    }
}

/// <summary>Resolves every symlink along a path (like POSIX realpath), so escapes through links are caught.</summary>
internal static class RealPath
{
    public static string Of(string path) => Resolve(Path.GetFullPath(path), 0);

    private static string Resolve(string full, int depth)
    {
        if (depth > 40) throw new IOException($"too many levels of symbolic links resolving '{full}'");
        var root = Path.GetPathRoot(full) ?? "/";
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            var target = new FileInfo(current).LinkTarget;
            if (target is not null)
            {
                current = Resolve(Path.GetFullPath(target, Path.GetDirectoryName(current) ?? root), depth + 1);
            }
        }
        return current;
    }
}

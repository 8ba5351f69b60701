using System.Text;
using System.Text.RegularExpressions;
using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>
/// NumPy .npy files (format 1.0, 2.0 and 3.0): a magic string, a Python-dict header (descr, fortran_order, shape),
/// then the C-order data. Little-endian numbers, bool, and fixed-width 'U' (UTF-32) / 'S' (bytes) strings.
/// </summary>
public static partial class NpyFormat
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a .npy file into an IR tensor.</summary>
    public static Tensor Read(string path)
    {
        if (!File.Exists(path)) throw new OnnxcException(DiagnosticIds.FileNotFound, $"input file '{path}' does not exist");
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads one .npy array from a stream; <paramref name="origin"/> names it in errors.</summary>
    public static Tensor Read(Stream stream, string origin)
    {
        using var reader = new BinaryReader(stream, Encoding.Latin1, leaveOpen: true);
        var magic = reader.ReadBytes(6);
        if (!magic.AsSpan().SequenceEqual(Magic)) throw Bad(origin, "is not a .npy file (no \\x93NUMPY magic)");
        int major = reader.ReadByte();
        reader.ReadByte();
        int headerLength = major switch
        {
            1 => reader.ReadUInt16(),
            2 or 3 => checked((int)reader.ReadUInt32()),
            _ => throw Bad(origin, $"has .npy format version {major}, which onnxc does not read (1, 2, 3 are supported)"),
        };
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(reader.ReadBytes(headerLength));
        var (descr, fortran, dims) = ParseHeader(header, origin);
        if (fortran && dims.Count(d => d > 1) > 1)
        {
            throw Bad(origin, "is stored in Fortran order", "save it in C order: numpy.save(path, numpy.ascontiguousarray(a))");
        }
        long count = dims.Aggregate(1L, (acc, d) => checked(acc * d));
        var (type, width, stringKind) = ParseDescr(descr, origin);
        long byteCount = checked(count * width);
        var data = reader.ReadBytes(checked((int)byteCount));
        if (data.Length != byteCount) throw Bad(origin, $"holds {data.Length} data bytes, {byteCount} expected for {descr} {FormatShape(dims)}");
        if (stringKind is null) return new DenseTensor(type, dims, data);
        var strings = new byte[count][];
        for (long i = 0; i < count; i++)
        {
            var element = data.AsSpan(checked((int)(i * width)), width);
            strings[i] = stringKind == 'U' ? DecodeUtf32(element) : element[..(element.LastIndexOfAnyExcept((byte)0) + 1)].ToArray();
        }
        return new StringTensor(dims, strings);
    }

    /// <summary>Writes a tensor as a .npy file (format 1.0, or 2.0 when the header is large).</summary>
    public static void Write(Tensor tensor, string path)
    {
        using var stream = File.Create(path);
        Write(tensor, stream);
    }

    /// <summary>Writes a tensor as .npy to a stream. Strings become 'U' when all are UTF-8, else 'S'.</summary>
    public static void Write(Tensor tensor, Stream stream)
    {
        string descr;
        byte[]? stringData = null;
        if (tensor is StringTensor strings) (descr, stringData) = EncodeStrings(strings);
        else descr = DescrOf(tensor.ElementType);
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {FormatShape(tensor.Dims)}, }}";
        // NumPy pads the header with spaces so the data starts on a 64-byte boundary, and ends it with a newline.
        int prefix = 10;
        int total = prefix + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        int major = 1;
        if (padded - prefix > ushort.MaxValue)
        {
            major = 2;
            prefix = 12;
            padded = (prefix + dict.Length + 1 + 63) / 64 * 64;
        }
        var header = dict + new string(' ', padded - prefix - dict.Length - 1) + "\n";
        using var writer = new BinaryWriter(stream, Encoding.Latin1, leaveOpen: true);
        writer.Write(Magic);
        writer.Write((byte)major);
        writer.Write((byte)0);
        if (major == 1) writer.Write((ushort)header.Length);
        else writer.Write((uint)header.Length);
        writer.Write(Encoding.Latin1.GetBytes(header));
        if (stringData is not null) writer.Write(stringData);
        else tensor.WriteTo(stream);
    }

    private static (string Descr, byte[] Data) EncodeStrings(StringTensor tensor)
    {
        var utf8 = new UTF8Encoding(false, true);
        string[]? text = null;
        try
        {
            text = tensor.Strings.Select(s => utf8.GetString(s)).ToArray();
        }
        catch (DecoderFallbackException)
        {
        }
        if (text is not null && text.All(t => !t.Contains('\0')))
        {
            var runes = text.Select(t => t.EnumerateRunes().Select(r => r.Value).ToArray()).ToArray();
            int chars = Math.Max(1, runes.Length == 0 ? 1 : runes.Max(r => r.Length));
            var data = new byte[runes.Length * chars * 4];
            for (int i = 0; i < runes.Length; i++)
            {
                for (int c = 0; c < runes[i].Length; c++) BitConverter.TryWriteBytes(data.AsSpan((i * chars + c) * 4), runes[i][c]);
            }
            return ($"<U{chars}", data);
        }
        int width = Math.Max(1, tensor.Strings.Count == 0 ? 1 : tensor.Strings.Max(s => s.Length));
        var bytes = new byte[tensor.Strings.Count * width];
        for (int i = 0; i < tensor.Strings.Count; i++) tensor.Strings[i].CopyTo(bytes, i * width);
        return ($"|S{width}", bytes);
    }

    private static byte[] DecodeUtf32(ReadOnlySpan<byte> element)
    {
        var builder = new StringBuilder();
        for (int i = 0; i + 4 <= element.Length; i += 4)
        {
            int code = BitConverter.ToInt32(element[i..]);
            if (code == 0) break;
            builder.Append(char.ConvertFromUtf32(code));
        }
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static string DescrOf(DataType type) => type switch
    {
        DataType.Float16 => "<f2",
        DataType.Float => "<f4",
        DataType.Double => "<f8",
        DataType.Int8 => "|i1",
        DataType.Int16 => "<i2",
        DataType.Int32 => "<i4",
        DataType.Int64 => "<i8",
        DataType.UInt8 => "|u1",
        DataType.UInt16 => "<u2",
        DataType.UInt32 => "<u4",
        DataType.UInt64 => "<u8",
        DataType.Bool => "|b1",
        _ => throw new OnnxcException(DiagnosticIds.InputData, $"NumPy has no {type.ShortName()} dtype, so it cannot be written as .npy",
            hint: "save it as a TensorProto .pb instead"),
    };

    private static (DataType Type, int Width, char? StringKind) ParseDescr(string descr, string origin)
    {
        var match = DescrPattern().Match(descr);
        if (!match.Success) throw Bad(origin, $"has dtype '{descr}', which onnxc does not read");
        char order = match.Groups[1].Value is { Length: 1 } o ? o[0] : '|';
        char kind = match.Groups[2].Value[0];
        int size = int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (order == '>' && (size > 1 || kind == 'U'))
        {
            throw Bad(origin, $"is big-endian ('{descr}')", "convert it with a.astype(a.dtype.newbyteorder('<'))");
        }
        if (kind == 'U') return (DataType.String, checked(size * 4), 'U');
        if (kind is 'S' or 'a') return (DataType.String, size, 'S');
        DataType? type = (kind, size) switch
        {
            ('f', 2) => DataType.Float16,
            ('f', 4) => DataType.Float,
            ('f', 8) => DataType.Double,
            ('i', 1) => DataType.Int8,
            ('i', 2) => DataType.Int16,
            ('i', 4) => DataType.Int32,
            ('i', 8) => DataType.Int64,
            ('u', 1) => DataType.UInt8,
            ('u', 2) => DataType.UInt16,
            ('u', 4) => DataType.UInt32,
            ('u', 8) => DataType.UInt64,
            ('b', 1) => DataType.Bool,
            _ => null,
        };
        return type is { } t ? (t, size, null) : throw Bad(origin, $"has dtype '{descr}', which onnxc does not read");
    }

    private static (string Descr, bool Fortran, long[] Dims) ParseHeader(string header, string origin)
    {
        var descr = DescrField().Match(header);
        var fortran = FortranField().Match(header);
        var shape = ShapeField().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
        {
            throw Bad(origin, $"has a header onnxc cannot read (structured dtypes are not supported): {header.Trim()}");
        }
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.TryParse(d.TrimEnd('L'), out var v) && v >= 0 ? v : throw Bad(origin, $"has a bad shape ({shape.Groups[1].Value})"))
            .ToArray();
        return (descr.Groups[1].Value, fortran.Groups[1].Value == "True", dims);
    }

    private static string FormatShape(IReadOnlyList<long> dims) => dims.Count switch
    {
        0 => "()",
        1 => $"({dims[0]},)",
        _ => "(" + string.Join(", ", dims) + ")",
    };

    private static OnnxcException Bad(string origin, string problem, string? hint = null) =>
        new(DiagnosticIds.InputData, $"'{origin}' {problem}", hint: hint);

    [GeneratedRegex(@"^([<>|=]?)([fiubUSa])(\d+)$")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrField();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranField();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeField();
}

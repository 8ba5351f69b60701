namespace Onnxc.Ir;

/// <summary>Element types of tensors; the numbers are ONNX's TensorProto.DataType so they cross the importer unchanged.</summary>
public enum DataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
    Float8E5M2FNUZ = 20,
    UInt4 = 21,
    Int4 = 22,
    Float4E2M1 = 23,
    Float8E8M0 = 24,
    UInt2 = 25,
    Int2 = 26,
}

/// <summary>Facts about element types: storage width, names in the text form.</summary>
public static class DataTypes
{
    /// <summary>Bits one element takes in ONNX's raw_data layout (sub-byte types are packed); 0 for strings.</summary>
    public static int BitWidth(this DataType type) => type switch
    {
        DataType.Bool or DataType.UInt8 or DataType.Int8 => 8,
        DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ or DataType.Float8E5M2 or DataType.Float8E5M2FNUZ or DataType.Float8E8M0 => 8,
        DataType.UInt16 or DataType.Int16 or DataType.Float16 or DataType.BFloat16 => 16,
        DataType.Float or DataType.Int32 or DataType.UInt32 => 32,
        DataType.Double or DataType.Int64 or DataType.UInt64 or DataType.Complex64 => 64,
        DataType.Complex128 => 128,
        DataType.UInt4 or DataType.Int4 or DataType.Float4E2M1 => 4,
        DataType.UInt2 or DataType.Int2 => 2,
        DataType.String => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown element type"),
    };

    /// <summary>Bytes needed to store <paramref name="count"/> elements packed as in raw_data.</summary>
    public static long ByteCount(this DataType type, long count) => (count * type.BitWidth() + 7) / 8;

    public static bool IsFloatingPoint(this DataType type) => type is DataType.Float or DataType.Double or DataType.Float16
        or DataType.BFloat16 or DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ or DataType.Float8E5M2
        or DataType.Float8E5M2FNUZ or DataType.Float8E8M0 or DataType.Float4E2M1;

    public static bool IsInteger(this DataType type) => type is DataType.UInt8 or DataType.Int8 or DataType.UInt16
        or DataType.Int16 or DataType.Int32 or DataType.Int64 or DataType.UInt32 or DataType.UInt64
        or DataType.UInt4 or DataType.Int4 or DataType.UInt2 or DataType.Int2;

    private static readonly Dictionary<DataType, string> Names = new()
    {
        [DataType.Float] = "f32", [DataType.UInt8] = "u8", [DataType.Int8] = "i8", [DataType.UInt16] = "u16",
        [DataType.Int16] = "i16", [DataType.Int32] = "i32", [DataType.Int64] = "i64", [DataType.String] = "string",
        [DataType.Bool] = "bool", [DataType.Float16] = "f16", [DataType.Double] = "f64", [DataType.UInt32] = "u32",
        [DataType.UInt64] = "u64", [DataType.Complex64] = "c64", [DataType.Complex128] = "c128",
        [DataType.BFloat16] = "bf16", [DataType.Float8E4M3FN] = "f8e4m3fn", [DataType.Float8E4M3FNUZ] = "f8e4m3fnuz",
        [DataType.Float8E5M2] = "f8e5m2", [DataType.Float8E5M2FNUZ] = "f8e5m2fnuz", [DataType.UInt4] = "u4",
        [DataType.Int4] = "i4", [DataType.Float4E2M1] = "f4e2m1", [DataType.Float8E8M0] = "f8e8m0",
        [DataType.UInt2] = "u2", [DataType.Int2] = "i2", [DataType.Undefined] = "undefined",
    };

    private static readonly Dictionary<string, DataType> ByName = Names.ToDictionary(p => p.Value, p => p.Key);

    /// <summary>Short name used by the text form ("f32", "i64", "bf16").</summary>
    public static string ShortName(this DataType type) => Names.TryGetValue(type, out var n) ? n : $"dtype{(int)type}";

    public static bool TryParseShortName(string name, out DataType type)
    {
        if (ByName.TryGetValue(name, out type)) return true;
        if (name.StartsWith("dtype", StringComparison.Ordinal) && int.TryParse(name.AsSpan(5), out var n))
        {
            type = (DataType)n;
            return true;
        }
        return false;
    }
}

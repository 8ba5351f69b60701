using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Onnxc.Ir.Text;

/// <summary>
/// Tensor elements as text and back, one element type at a time. Floats print the shortest text that reads back
/// to the same bits; 8-bit and 4-bit float formats print raw bits (0x3c) because no decimal form is standard.
/// </summary>
internal static class TensorElements
{
    /// <summary>Whether elements of this type are written as raw bit patterns.</summary>
    public static bool IsRawBits(DataType type) => type is DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ
        or DataType.Float8E5M2 or DataType.Float8E5M2FNUZ or DataType.Float8E8M0 or DataType.Float4E2M1;

    public static void Append(StringBuilder sb, Tensor tensor)
    {
        sb.Append('[');
        if (tensor is StringTensor strings)
        {
            for (int i = 0; i < strings.Strings.Count; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(TextSyntax.QuoteBytes(strings.Strings[i]));
            }
            sb.Append(']');
            return;
        }
        var bytes = tensor.Bytes.Span;
        for (long i = 0; i < tensor.ElementCount; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Format(tensor.ElementType, bytes, (int)i));
        }
        sb.Append(']');
    }

    private static string Format(DataType type, ReadOnlySpan<byte> bytes, int i)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (type)
        {
            case DataType.Float: return TextSyntax.FormatSingle(BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]));
            case DataType.Double: return TextSyntax.FormatDouble(BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]));
            case DataType.Float16: return FormatHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]));
            case DataType.BFloat16: return FormatBFloat16(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]));
            case DataType.Complex64:
                return "(" + TextSyntax.FormatSingle(BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 8)..])) + ", "
                    + TextSyntax.FormatSingle(BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 8 + 4)..])) + ")";
            case DataType.Complex128:
                return "(" + TextSyntax.FormatDouble(BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 16)..])) + ", "
                    + TextSyntax.FormatDouble(BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 16 + 8)..])) + ")";
            case DataType.Int8: return ((sbyte)bytes[i]).ToString(inv);
            case DataType.UInt8: return bytes[i].ToString(inv);
            case DataType.Int16: return BinaryPrimitives.ReadInt16LittleEndian(bytes[(i * 2)..]).ToString(inv);
            case DataType.UInt16: return BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]).ToString(inv);
            case DataType.Int32: return BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]).ToString(inv);
            case DataType.UInt32: return BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]).ToString(inv);
            case DataType.Int64: return BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]).ToString(inv);
            case DataType.UInt64: return BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * 8)..]).ToString(inv);
            case DataType.Bool: return bytes[i] switch { 0 => "false", 1 => "true", var b => b.ToString(inv) };
            case DataType.Int4 or DataType.Int2:
            {
                int bits = type.BitWidth();
                long raw = ReadPacked(bytes, i, bits);
                return (raw >= 1L << (bits - 1) ? raw - (1L << bits) : raw).ToString(inv);
            }
            case DataType.UInt4 or DataType.UInt2: return ReadPacked(bytes, i, type.BitWidth()).ToString(inv);
            case DataType.Float4E2M1: return "0x" + ReadPacked(bytes, i, 4).ToString("x", inv);
            default:
                if (IsRawBits(type)) return "0x" + bytes[i].ToString("x2", inv);
                throw new NotSupportedException($"cannot print elements of type {type.ShortName()}");
        }
    }

    /// <summary>Reads element <paramref name="i"/> of a sub-byte type, packed low bits first as in ONNX raw_data.</summary>
    public static long ReadPacked(ReadOnlySpan<byte> bytes, int i, int bits)
    {
        int perByte = 8 / bits;
        return (bytes[i / perByte] >> (i % perByte * bits)) & ((1 << bits) - 1);
    }

    public static void WritePacked(Span<byte> bytes, int i, int bits, long value)
    {
        int perByte = 8 / bits;
        int shift = i % perByte * bits;
        int mask = ((1 << bits) - 1) << shift;
        bytes[i / perByte] = (byte)((bytes[i / perByte] & ~mask) | (((int)value << shift) & mask));
    }

    private static string FormatHalf(ushort bits)
    {
        var value = BitConverter.UInt16BitsToHalf(bits);
        if (Half.IsNaN(value))
        {
            return bits switch { 0x7E00 => "nan", 0xFE00 => "-nan", _ => "nan(0x" + bits.ToString("x4", CultureInfo.InvariantCulture) + ")" };
        }
        return TextSyntax.Decimal(value.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>bfloat16 has no .NET type: print the fewest digits that round back to the same 16 bits.</summary>
    private static string FormatBFloat16(ushort bits)
    {
        float value = BitConverter.Int32BitsToSingle(bits << 16);
        if (float.IsNaN(value))
        {
            return bits switch { 0x7FC0 => "nan", 0xFFC0 => "-nan", _ => "nan(0x" + bits.ToString("x4", CultureInfo.InvariantCulture) + ")" };
        }
        if (float.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        for (int digits = 1; digits < 9; digits++)
        {
            var text = value.ToString("G" + digits, CultureInfo.InvariantCulture);
            if (ToBFloat16(float.Parse(text, CultureInfo.InvariantCulture)) == bits) return TextSyntax.Decimal(text);
        }
        return TextSyntax.FormatSingle(value);
    }

    /// <summary>Rounds a float to bfloat16 (nearest, ties to even), keeping NaN a NaN.</summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }
}

using System.Buffers.Binary;
using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>Reads the elements of numeric tensors as doubles, the common ground for error metrics.</summary>
internal static class TensorElements
{
    /// <summary>Whether <see cref="ToDoubles"/> can read this element type.</summary>
    public static bool IsNumeric(DataType type) => type is DataType.Float or DataType.Double or DataType.Float16
        or DataType.BFloat16 or DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64 or DataType.UInt8
        or DataType.UInt16 or DataType.UInt32 or DataType.UInt64 or DataType.Bool;

    /// <summary>The elements widened to double (int64 beyond 2^53 rounds; exact comparison uses the bytes instead).</summary>
    public static double[] ToDoubles(Tensor tensor)
    {
        var bytes = tensor.Bytes.Span;
        var result = new double[tensor.ElementCount];
        switch (tensor.ElementType)
        {
            case DataType.Float:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                break;
            case DataType.Double:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                break;
            case DataType.Float16:
                for (int i = 0; i < result.Length; i++) result[i] = (double)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                break;
            case DataType.BFloat16:
                // bfloat16 is the high half of a float32.
                for (int i = 0; i < result.Length; i++) result[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                break;
            case DataType.Int8:
                for (int i = 0; i < result.Length; i++) result[i] = (sbyte)bytes[i];
                break;
            case DataType.UInt8:
            case DataType.Bool:
                for (int i = 0; i < result.Length; i++) result[i] = bytes[i];
                break;
            case DataType.Int16:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * i)..]);
                break;
            case DataType.UInt16:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]);
                break;
            case DataType.Int32:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                break;
            case DataType.UInt32:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(4 * i)..]);
                break;
            case DataType.Int64:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]);
                break;
            case DataType.UInt64:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(8 * i)..]);
                break;
            default:
                throw new NotSupportedException($"no numeric reading of {tensor.ElementType.ShortName()} tensors");
        }
        return result;
    }
}

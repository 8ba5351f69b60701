using System.Buffers.Binary;
using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>Builds dense tensors of any common element type from double values (the inverse of reading them as doubles).</summary>
internal static class TensorEncoding
{
    public static DenseTensor FromDoubles(DataType type, long[] dims, double[] values)
    {
        int width = type.BitWidth() / 8;
        var bytes = new byte[values.Length * width];
        var span = bytes.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            var slot = span[(i * width)..];
            double v = values[i];
            switch (type)
            {
                case DataType.Float: BinaryPrimitives.WriteSingleLittleEndian(slot, (float)v); break;
                case DataType.Double: BinaryPrimitives.WriteDoubleLittleEndian(slot, v); break;
                case DataType.Float16: BinaryPrimitives.WriteHalfLittleEndian(slot, (Half)v); break;
                // Round to nearest even on the dropped 16 bits of the float32.
                case DataType.BFloat16:
                {
                    uint bits = BitConverter.SingleToUInt32Bits((float)v);
                    bits += 0x7FFF + ((bits >> 16) & 1);
                    BinaryPrimitives.WriteUInt16LittleEndian(slot, (ushort)(bits >> 16));
                    break;
                }
                case DataType.Int8: slot[0] = (byte)(sbyte)v; break;
                case DataType.UInt8: case DataType.Bool: slot[0] = (byte)v; break;
                case DataType.Int16: BinaryPrimitives.WriteInt16LittleEndian(slot, (short)v); break;
                case DataType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(slot, (ushort)v); break;
                case DataType.Int32: BinaryPrimitives.WriteInt32LittleEndian(slot, (int)v); break;
                case DataType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(slot, (uint)v); break;
                case DataType.Int64: BinaryPrimitives.WriteInt64LittleEndian(slot, (long)v); break;
                case DataType.UInt64: BinaryPrimitives.WriteUInt64LittleEndian(slot, (ulong)v); break;
                default: throw new NotSupportedException($"cannot encode {type.ShortName()} from numbers");
            }
        }
        return new DenseTensor(type, dims, bytes);
    }

    /// <summary>Exclusive upper bound of the non-negative values an integer type holds.</summary>
    public static long MaxExclusive(DataType type) => type switch
    {
        DataType.Int8 => 128,
        DataType.UInt8 => 256,
        DataType.Int16 => 32768,
        DataType.UInt16 => 65536,
        DataType.Int32 => int.MaxValue,
        DataType.UInt32 => uint.MaxValue,
        _ => long.MaxValue,
    };
}

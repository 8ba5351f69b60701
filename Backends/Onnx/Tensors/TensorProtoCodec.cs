using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx.Tensors;

/// <summary>
/// TensorProto ⇄ IR <see cref="Tensor"/>. Every storage field decodes to the IR's canonical layout (raw_data:
/// little-endian, sub-byte types packed low bits first); raw_data is sliced, not copied. Encoding writes raw_data
/// (string_data for strings).
/// </summary>
internal static class TensorProtoCodec
{
    /// <summary>Decodes a tensor; <paramref name="where"/> names it in errors ("initializer 'w' of graph 'main'").</summary>
    public static Tensor FromProto(TensorProto proto, ExternalDataResolver? external, string where)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("onnxc reads raw_data on little-endian machines only");
        var type = (DataType)proto.DataType;
        if (!Enum.IsDefined(type) || type == DataType.Undefined)
        {
            throw Invalid(where, $"has data_type {proto.DataType}, which is not an ONNX element type");
        }
        var dims = proto.Dims.ToArray();
        if (dims.Any(d => d < 0)) throw Invalid(where, $"has negative dimension in [{string.Join(",", dims)}]");
        long count;
        try
        {
            count = dims.Aggregate(1L, (acc, d) => checked(acc * d));
        }
        catch (OverflowException)
        {
            throw Invalid(where, $"has shape [{string.Join(",", dims)}], whose element count overflows");
        }
        var name = proto.HasName ? proto.Name : null;
        var doc = proto.HasDocString ? proto.DocString : null;

        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            if (type == DataType.String) throw Invalid(where, "is a string tensor stored as external data, which ONNX does not allow");
            if (proto.HasRawData)
            {
                throw new OnnxcException(DiagnosticIds.ExternalDataInvalid, $"tensor {where} has both raw_data and external data, so its contents are ambiguous",
                    hint: "a tensor stored externally must not carry raw_data");
            }
            return external is null
                ? throw new OnnxcException(DiagnosticIds.ExternalDataMissing, $"tensor {where} uses external data, which is not available here")
                : external.Resolve(proto, type, dims, where);
        }
        if (type == DataType.String)
        {
            if (proto.StringData.Count != count) throw Invalid(where, $"has {proto.StringData.Count} strings for {count} elements");
            return new StringTensor(dims, proto.StringData.Select(s => s.ToByteArray()).ToArray()) { Name = name, DocString = doc };
        }
        long byteLength = type.ByteCount(count);
        if (byteLength > int.MaxValue) throw Invalid(where, $"holds {byteLength} bytes inline; tensors over 2 GiB must be stored as external data");
        ReadOnlyMemory<byte> bytes = proto.HasRawData ? proto.RawData.Memory : DecodeTypedFields(proto, type, count, (int)byteLength, where);
        if (bytes.Length != byteLength)
        {
            throw Invalid(where, $"has {bytes.Length} bytes of raw_data but {type.ShortName()}[{string.Join(",", dims)}] needs {byteLength}");
        }
        return new DenseTensor(type, dims, bytes) { Name = name, DocString = doc };
    }

    /// <summary>Encodes a tensor inline (raw_data slices the tensor's memory, no copy).</summary>
    public static TensorProto ToProto(Tensor tensor, string? name)
    {
        var proto = new TensorProto { DataType = (int)tensor.ElementType };
        proto.Dims.AddRange(tensor.Dims);
        if (name is not null) proto.Name = name;
        if (tensor.DocString is not null) proto.DocString = tensor.DocString;
        if (tensor is StringTensor strings)
        {
            foreach (var s in strings.Strings) proto.StringData.Add(ByteString.CopyFrom(s));
        }
        else if (tensor.ByteLength > 0)
        {
            proto.RawData = UnsafeByteOperations.UnsafeWrap(tensor.Bytes);
        }
        return proto;
    }

    private static ReadOnlyMemory<byte> DecodeTypedFields(TensorProto proto, DataType type, long count, int byteLength, string where)
    {
        if (count == 0) return ReadOnlyMemory<byte>.Empty;
        var bytes = new byte[byteLength];
        switch (type)
        {
            case DataType.Float:
            case DataType.Complex64:
                CopyAll(proto.FloatData, type == DataType.Complex64 ? 2 * count : count, "float_data", bytes, where);
                break;
            case DataType.Double:
            case DataType.Complex128:
                CopyAll(proto.DoubleData, type == DataType.Complex128 ? 2 * count : count, "double_data", bytes, where);
                break;
            case DataType.Int64:
                CopyAll(proto.Int64Data, count, "int64_data", bytes, where);
                break;
            case DataType.UInt64:
                CopyAll(proto.Uint64Data, count, "uint64_data", bytes, where);
                break;
            case DataType.UInt32:
                Require(proto.Uint64Data.Count, count, "uint64_data", where);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), (uint)proto.Uint64Data[i]);
                break;
            case DataType.Int32:
                CopyAll(proto.Int32Data, count, "int32_data", bytes, where);
                break;
            case DataType.Int16:
            case DataType.UInt16:
            case DataType.Float16:
            case DataType.BFloat16:
                Require(proto.Int32Data.Count, count, "int32_data", where);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)proto.Int32Data[i]);
                break;
            case DataType.Int8:
            case DataType.UInt8:
            case DataType.Bool:
            case DataType.Float8E4M3FN:
            case DataType.Float8E4M3FNUZ:
            case DataType.Float8E5M2:
            case DataType.Float8E5M2FNUZ:
            case DataType.Float8E8M0:
                Require(proto.Int32Data.Count, count, "int32_data", where);
                for (int i = 0; i < count; i++) bytes[i] = (byte)proto.Int32Data[i];
                break;
            case DataType.Int4:
            case DataType.UInt4:
            case DataType.Float4E2M1:
            case DataType.Int2:
            case DataType.UInt2:
                DecodeSubByte(proto.Int32Data, type.BitWidth(), count, bytes, where);
                break;
            default:
                throw Invalid(where, $"has element type {type.ShortName()}, which has no typed storage field");
        }
        return bytes;
    }

    /// <summary>int32_data of 4- and 2-bit types holds one packed byte per entry; one element per entry is accepted too.</summary>
    private static void DecodeSubByte(IList<int> data, int bits, long count, byte[] bytes, string where)
    {
        if (data.Count == bytes.Length)
        {
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)data[i];
            return;
        }
        if (data.Count != count)
        {
            throw Invalid(where, $"has {data.Count} int32_data entries; {bytes.Length} packed bytes for {count} elements were expected");
        }
        int perByte = 8 / bits;
        int mask = (1 << bits) - 1;
        for (int i = 0; i < count; i++) bytes[i / perByte] |= (byte)((data[i] & mask) << (bits * (i % perByte)));
    }

    private static void CopyAll<T>(Google.Protobuf.Collections.RepeatedField<T> field, long expected, string fieldName, byte[] destination, string where)
        where T : unmanaged
    {
        Require(field.Count, expected, fieldName, where);
        var target = MemoryMarshal.Cast<byte, T>(destination.AsSpan());
        for (int i = 0; i < target.Length; i++) target[i] = field[i];
    }

    private static void Require(int actual, long expected, string fieldName, string where)
    {
        if (actual != expected) throw Invalid(where, $"has {actual} entries in {fieldName} but its shape holds {expected} elements");
    }

    private static OnnxcException Invalid(string where, string what) =>
        new(DiagnosticIds.InvalidTensor, $"tensor {where} {what}", hint: "the model file is corrupt or was written by a faulty exporter");
}

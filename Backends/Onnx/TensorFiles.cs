using Google.Protobuf;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Backends.Onnx.Tensors;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx;

/// <summary>
/// Reads and writes the .pb files of ONNX test data: a TensorProto, SequenceProto or OptionalProto per file.
/// Values come back as a <see cref="Tensor"/>, an <see cref="IReadOnlyList{T}"/> of values (sequence) or null
/// (empty optional); the data is copied into memory so no file stays open.
/// </summary>
public static class TensorFiles
{
    /// <summary>Reads a serialized TensorProto.</summary>
    public static Tensor ReadTensor(string pbPath) => Decode(Parse(pbPath, TensorProto.Parser), pbPath, Path.GetFileName(pbPath));

    /// <summary>Writes a tensor as a serialized TensorProto (raw_data, or string_data for strings).</summary>
    public static void WriteTensor(Tensor tensor, string path) => WriteAtomically(TensorProtoCodec.ToProto(tensor, tensor.Name), path);

    /// <summary>Reads a value of the given type: a tensor, a sequence (list of values) or an optional (value or null).</summary>
    public static object? ReadValue(string pbPath, IrType expected) => expected switch
    {
        TensorType => ReadTensor(pbPath),
        SequenceType => DecodeSequence(Parse(pbPath, SequenceProto.Parser), pbPath),
        OptionalType => DecodeOptional(Parse(pbPath, OptionalProto.Parser), pbPath),
        _ => throw new OnnxcException(DiagnosticIds.InputData, $"cannot read a value of type {expected} from '{pbPath}'",
            hint: "test data files hold tensors, sequences or optionals"),
    };

    /// <summary>Writes a tensor, sequence (list) or optional (value or null) as the matching .pb message.</summary>
    public static void WriteValue(object? value, IrType type, string path)
    {
        IMessage message = type switch
        {
            TensorType => TensorProtoCodec.ToProto((Tensor)value!, ((Tensor)value!).Name),
            SequenceType s => EncodeSequence((IReadOnlyList<object?>)value!, s),
            OptionalType o => EncodeOptional(value, o),
            _ => throw new ArgumentException($"cannot write a value of type {type}", nameof(type)),
        };
        WriteAtomically(message, path);
    }

    private static T Parse<T>(string path, MessageParser<T> parser) where T : IMessage<T>
    {
        if (!File.Exists(path)) throw new OnnxcException(DiagnosticIds.FileNotFound, $"test data file '{path}' does not exist");
        try
        {
            using var stream = File.OpenRead(path);
            return parser.ParseFrom(CodedInputStream.CreateWithLimits(stream, int.MaxValue, 200));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxcException(DiagnosticIds.MalformedProtobuf, $"'{path}' is not a valid {typeof(T).Name}: {e.Message}", inner: e);
        }
    }

    private static Tensor Decode(TensorProto proto, string path, string where)
    {
        var mappings = new List<IDisposable>();
        try
        {
            var resolver = new ExternalDataResolver(Path.GetDirectoryName(Path.GetFullPath(path)), mappings);
            var tensor = TensorProtoCodec.FromProto(proto, resolver, $"'{where}'");
            // Detach from mappings so the caller owns plain memory.
            return tensor is ExternalTensor ? new DenseTensor(tensor.ElementType, tensor.Dims, tensor.Bytes.ToArray()) { Name = tensor.Name } : tensor;
        }
        finally
        {
            foreach (var m in mappings) m.Dispose();
        }
    }

    private static IReadOnlyList<object?> DecodeSequence(SequenceProto proto, string path)
    {
        var where = proto.HasName ? proto.Name : Path.GetFileName(path);
        return (SequenceProto.Types.DataType)proto.ElemType switch
        {
            SequenceProto.Types.DataType.Tensor => proto.TensorValues.Select((t, i) => (object?)Decode(t, path, $"{where}[{i}]")).ToList(),
            SequenceProto.Types.DataType.Sequence => proto.SequenceValues.Select(s => (object?)DecodeSequence(s, path)).ToList(),
            SequenceProto.Types.DataType.Optional => proto.OptionalValues.Select(o => DecodeOptional(o, path)).ToList(),
            // An empty sequence may leave elem_type unset.
            SequenceProto.Types.DataType.Undefined when proto.TensorValues.Count == 0 && proto.SequenceValues.Count == 0 => new List<object?>(),
            _ => throw new OnnxcException(DiagnosticIds.InputData, $"sequence '{where}' in '{path}' has element kind {proto.ElemType}, which onnxc cannot read"),
        };
    }

    private static object? DecodeOptional(OptionalProto proto, string path)
    {
        var where = proto.HasName ? proto.Name : Path.GetFileName(path);
        return (OptionalProto.Types.DataType)proto.ElemType switch
        {
            OptionalProto.Types.DataType.Tensor => proto.TensorValue is null ? null : Decode(proto.TensorValue, path, where),
            OptionalProto.Types.DataType.Sequence => proto.SequenceValue is null ? null : DecodeSequence(proto.SequenceValue, path),
            OptionalProto.Types.DataType.Optional => proto.OptionalValue is null ? null : DecodeOptional(proto.OptionalValue, path),
            OptionalProto.Types.DataType.Undefined => null,
            _ => throw new OnnxcException(DiagnosticIds.InputData, $"optional '{where}' in '{path}' has element kind {proto.ElemType}, which onnxc cannot read"),
        };
    }

    private static SequenceProto EncodeSequence(IReadOnlyList<object?> items, SequenceType type)
    {
        var proto = new SequenceProto();
        switch (type.ElementType)
        {
            case TensorType or null:
                proto.ElemType = (int)SequenceProto.Types.DataType.Tensor;
                foreach (var item in items) proto.TensorValues.Add(TensorProtoCodec.ToProto((Tensor)item!, null));
                break;
            case SequenceType inner:
                proto.ElemType = (int)SequenceProto.Types.DataType.Sequence;
                foreach (var item in items) proto.SequenceValues.Add(EncodeSequence((IReadOnlyList<object?>)item!, inner));
                break;
            case OptionalType inner:
                proto.ElemType = (int)SequenceProto.Types.DataType.Optional;
                foreach (var item in items) proto.OptionalValues.Add(EncodeOptional(item, inner));
                break;
            default:
                throw new ArgumentException($"cannot write sequences of {type.ElementType}");
        }
        return proto;
    }

    private static OptionalProto EncodeOptional(object? value, OptionalType type)
    {
        var proto = new OptionalProto();
        switch (type.ElementType)
        {
            case TensorType or null:
                proto.ElemType = (int)OptionalProto.Types.DataType.Tensor;
                if (value is Tensor t) proto.TensorValue = TensorProtoCodec.ToProto(t, null);
                break;
            case SequenceType s:
                proto.ElemType = (int)OptionalProto.Types.DataType.Sequence;
                if (value is IReadOnlyList<object?> list) proto.SequenceValue = EncodeSequence(list, s);
                break;
            case OptionalType o:
                proto.ElemType = (int)OptionalProto.Types.DataType.Optional;
                if (value is not null) proto.OptionalValue = EncodeOptional(value, o);
                break;
            default:
                throw new ArgumentException($"cannot write optionals of {type.ElementType}");
        }
        return proto;
    }

    private static void WriteAtomically(IMessage message, string path)
    {
        var full = Path.GetFullPath(path);
        var temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = File.Create(temp)) message.WriteTo(stream);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}

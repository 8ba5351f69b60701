using Onnxc.Backends.Onnx.Protos;
using Onnxc.Backends.Onnx.Tensors;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx.Export;

/// <summary>
/// Decides which tensors are written inline and which go to the external data file, assigns their offsets, and
/// later streams them out with <see cref="Tensor.WriteTo"/> so weights are never held twice.
/// </summary>
internal sealed class ExternalDataPlan(long? threshold, string? location)
{
    private const int LargeAlignment = 4096;
    private const int SmallAlignment = 64;
    private readonly List<(Tensor Tensor, long Offset)> _entries = new();
    private long _end;

    public bool HasExternalData => _entries.Count > 0;

    /// <summary>Encodes an initializer, externally when it is large enough and a data file is available.</summary>
    public TensorProto Encode(Tensor tensor, string? name, bool mayBeExternal)
    {
        TensorProto proto;
        if (mayBeExternal && threshold is { } t && location is not null && tensor is not StringTensor && tensor.ByteLength >= t && tensor.ByteLength > 0)
        {
            long alignment = tensor.ByteLength >= LargeAlignment ? LargeAlignment : SmallAlignment;
            long offset = (_end + alignment - 1) / alignment * alignment;
            _entries.Add((tensor, offset));
            _end = offset + tensor.ByteLength;
            proto = new TensorProto { DataType = (int)tensor.ElementType, Name = name ?? "", DataLocation = TensorProto.Types.DataLocation.External };
            proto.Dims.AddRange(tensor.Dims);
            if (tensor.DocString is not null) proto.DocString = tensor.DocString;
            proto.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            proto.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            proto.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.ByteLength.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
        else
        {
            proto = TensorProtoCodec.ToProto(Detached(tensor), name);
        }
        ProtoResidual.MergeInto(tensor, proto);
        return proto;
    }

    /// <summary>Writes every external tensor at its offset, zero-filling alignment gaps.</summary>
    public void WriteData(Stream stream)
    {
        Span<byte> zeros = stackalloc byte[LargeAlignment];
        zeros.Clear();
        long position = 0;
        foreach (var (tensor, offset) in _entries)
        {
            stream.Write(zeros[..(int)(offset - position)]);
            tensor.WriteTo(stream);
            position = offset + tensor.ByteLength;
        }
    }

    /// <summary>A lazy tensor written inline is computed without being cached in the model, so export leaves it lazy.</summary>
    private static Tensor Detached(Tensor tensor)
    {
        if (tensor is not LazyTensor || tensor.IsMaterialized) return tensor;
        var bytes = new MemoryStream(checked((int)tensor.ByteLength));
        tensor.WriteTo(bytes);
        return new DenseTensor(tensor.ElementType, tensor.Dims, bytes.GetBuffer().AsMemory(0, (int)bytes.Length)) { Name = tensor.Name, DocString = tensor.DocString };
    }
}

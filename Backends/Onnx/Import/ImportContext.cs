using Onnxc.Backends.Onnx.Protos;
using Onnxc.Backends.Onnx.Tensors;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx.Import;

/// <summary>State shared while one model is imported: where external data lives and the mappings opened so far.</summary>
internal sealed class ImportContext(ExternalDataResolver external)
{
    private static readonly int[] TensorFields = { 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

    /// <summary>Decodes a tensor and keeps its uninterpreted fields (segment, metadata_props) beside it.</summary>
    public Tensor ReadTensor(TensorProto proto, string where)
    {
        var tensor = TensorProtoCodec.FromProto(proto, external, where);
        proto.Dims.Clear();
        proto.ClearDataType();
        proto.FloatData.Clear();
        proto.Int32Data.Clear();
        proto.StringData.Clear();
        proto.Int64Data.Clear();
        proto.ClearName();
        proto.ClearDocString();
        proto.ClearRawData();
        proto.ExternalData.Clear();
        proto.ClearDataLocation();
        proto.DoubleData.Clear();
        proto.Uint64Data.Clear();
        ProtoResidual.Attach(tensor, ProtoResidual.Take(proto, $"tensor {where}", DiagnosticIds.InvalidTensor, TensorFields));
        return tensor;
    }

    public SparseTensor ReadSparseTensor(SparseTensorProto proto, string where)
    {
        if (proto.Values is null || proto.Indices is null)
        {
            throw new OnnxcException(DiagnosticIds.InvalidTensor, $"sparse tensor {where} lacks its values or indices");
        }
        return new SparseTensor(ReadTensor(proto.Values, where + " (values)"), ReadTensor(proto.Indices, where + " (indices)"), proto.Dims.ToArray());
    }
}

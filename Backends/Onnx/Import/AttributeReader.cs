using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;
using AttrType = Onnxc.Backends.Onnx.Protos.AttributeProto.Types.AttributeType;

namespace Onnxc.Backends.Onnx.Import;

/// <summary>AttributeProto → IR <see cref="Attribute"/>; graph attributes are imported as subgraphs in the node's scope.</summary>
internal static class AttributeReader
{
    private static readonly int[] InterpretedFields = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 20, 21, 22, 23 };

    public static Attribute Read(AttributeProto proto, string nodeWhere, Scope scope, ImportContext context)
    {
        var where = $"attribute '{proto.Name}' of {nodeWhere}";
        if (string.IsNullOrEmpty(proto.Name)) throw Invalid($"an attribute of {nodeWhere} has no name");
        var type = proto.HasType && proto.Type != AttrType.Undefined ? proto.Type : InferType(proto, where);
        var kind = (AttributeKind)(int)type;
        if (!Enum.IsDefined(kind)) throw Invalid($"{where} has type {(int)type}, which is not an ONNX attribute type");
        object? value = proto.HasRefAttrName ? null : type switch
        {
            AttrType.Float => proto.F,
            AttrType.Int => proto.I,
            AttrType.String => proto.S.ToStringUtf8(),
            AttrType.Tensor => context.ReadTensor(proto.T ?? throw Missing(where, "t"), where),
            AttrType.Graph => GraphReader.Read(proto.G ?? throw Missing(where, "g"), scope, context, $"{where}"),
            AttrType.SparseTensor => context.ReadSparseTensor(proto.SparseTensor ?? throw Missing(where, "sparse_tensor"), where),
            AttrType.TypeProto => TypeProtoCodec.FromProto(proto.Tp ?? throw Missing(where, "tp")),
            AttrType.Floats => proto.Floats.ToArray(),
            AttrType.Ints => proto.Ints.ToArray(),
            AttrType.Strings => proto.Strings.Select(s => s.ToStringUtf8()).ToArray(),
            AttrType.Tensors => proto.Tensors.Select((t, i) => context.ReadTensor(t, $"{where}[{i}]")).ToArray(),
            AttrType.Graphs => proto.Graphs.Select((g, i) => GraphReader.Read(g, scope, context, $"{where}[{i}]")).ToArray(),
            AttrType.SparseTensors => proto.SparseTensors.Select((t, i) => context.ReadSparseTensor(t, $"{where}[{i}]")).ToArray(),
            AttrType.TypeProtos => proto.TypeProtos.Select(t => TypeProtoCodec.FromProto(t)!).ToArray(),
            _ => throw Invalid($"{where} has type {type}, which onnxc cannot read"),
        };
        var attribute = new Attribute(proto.Name, kind, value)
        {
            RefAttributeName = proto.HasRefAttrName ? proto.RefAttrName : null,
            DocString = proto.HasDocString ? proto.DocString : null,
        };
        CheckWireTypes(proto, where);
        return attribute;
    }

    /// <summary>Attributes written before IR version 2 have no type: it follows from the one field that is set.</summary>
    private static AttrType InferType(AttributeProto proto, string where)
    {
        if (proto.HasF) return AttrType.Float;
        if (proto.HasI) return AttrType.Int;
        if (proto.HasS) return AttrType.String;
        if (proto.T is not null) return AttrType.Tensor;
        if (proto.G is not null) return AttrType.Graph;
        if (proto.SparseTensor is not null) return AttrType.SparseTensor;
        if (proto.Tp is not null) return AttrType.TypeProto;
        if (proto.Floats.Count > 0) return AttrType.Floats;
        if (proto.Ints.Count > 0) return AttrType.Ints;
        if (proto.Strings.Count > 0) return AttrType.Strings;
        if (proto.Tensors.Count > 0) return AttrType.Tensors;
        if (proto.Graphs.Count > 0) return AttrType.Graphs;
        if (proto.SparseTensors.Count > 0) return AttrType.SparseTensors;
        if (proto.TypeProtos.Count > 0) return AttrType.TypeProtos;
        throw Invalid($"{where} has no type and no value");
    }

    /// <summary>Rejects fields that arrived with the wrong wire type (they land among the unknown fields); clears the proto.</summary>
    private static void CheckWireTypes(AttributeProto rest, string where)
    {
        rest.ClearName(); rest.ClearF(); rest.ClearI(); rest.ClearS(); rest.T = null; rest.G = null; rest.Floats.Clear();
        rest.Ints.Clear(); rest.Strings.Clear(); rest.Tensors.Clear(); rest.Graphs.Clear(); rest.ClearDocString(); rest.Tp = null;
        rest.TypeProtos.Clear(); rest.ClearType(); rest.ClearRefAttrName(); rest.SparseTensor = null; rest.SparseTensors.Clear();
        ProtoResidual.Take(rest, where, DiagnosticIds.InvalidAttribute, InterpretedFields);
    }

    private static OnnxcException Missing(string where, string field) => Invalid($"{where} declares a value in '{field}' but that field is empty");

    private static OnnxcException Invalid(string message) => new(DiagnosticIds.InvalidAttribute, message, hint: "the model file is corrupt or was written by a faulty exporter");
}

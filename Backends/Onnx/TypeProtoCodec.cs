using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx;

/// <summary>TypeProto ⇄ <see cref="IrType"/>; a TypeProto with no case set is an unknown type (null).</summary>
internal static class TypeProtoCodec
{
    public static IrType? FromProto(TypeProto? proto)
    {
        if (proto is null) return null;
        IrType? type = proto.ValueCase switch
        {
            TypeProto.ValueOneofCase.TensorType => new TensorType((DataType)proto.TensorType.ElemType, ShapeOf(proto.TensorType.Shape)),
            TypeProto.ValueOneofCase.SparseTensorType => new SparseTensorType((DataType)proto.SparseTensorType.ElemType, ShapeOf(proto.SparseTensorType.Shape)),
            TypeProto.ValueOneofCase.SequenceType => new SequenceType(FromProto(proto.SequenceType.ElemType)),
            TypeProto.ValueOneofCase.OptionalType => new OptionalType(FromProto(proto.OptionalType.ElemType)),
            TypeProto.ValueOneofCase.MapType => new MapType((DataType)proto.MapType.KeyType, FromProto(proto.MapType.ValueType)),
            TypeProto.ValueOneofCase.OpaqueType => new OpaqueType(proto.OpaqueType.Domain, proto.OpaqueType.Name),
            _ => null,
        };
        return type is not null && proto.HasDenotation ? type with { Denotation = proto.Denotation } : type;
    }

    public static TypeProto? ToProto(IrType? type)
    {
        if (type is null) return null;
        var proto = new TypeProto();
        switch (type)
        {
            case TensorType t:
                proto.TensorType = new TypeProto.Types.Tensor { ElemType = (int)t.ElementType };
                if (t.Shape is not null) proto.TensorType.Shape = ShapeProto(t.Shape);
                break;
            case SparseTensorType s:
                proto.SparseTensorType = new TypeProto.Types.SparseTensor { ElemType = (int)s.ElementType };
                if (s.Shape is not null) proto.SparseTensorType.Shape = ShapeProto(s.Shape);
                break;
            case SequenceType q:
                proto.SequenceType = new TypeProto.Types.Sequence();
                if (q.ElementType is not null) proto.SequenceType.ElemType = ToProto(q.ElementType);
                break;
            case OptionalType o:
                proto.OptionalType = new TypeProto.Types.Optional();
                if (o.ElementType is not null) proto.OptionalType.ElemType = ToProto(o.ElementType);
                break;
            case MapType m:
                proto.MapType = new TypeProto.Types.Map { KeyType = (int)m.KeyType };
                if (m.ValueType is not null) proto.MapType.ValueType = ToProto(m.ValueType);
                break;
            case OpaqueType q:
                proto.OpaqueType = new TypeProto.Types.Opaque { Domain = q.Domain, Name = q.Name };
                break;
            default:
                throw new NotSupportedException($"no ONNX TypeProto for {type}");
        }
        if (type.Denotation is not null) proto.Denotation = type.Denotation;
        return proto;
    }

    private static Shape? ShapeOf(TensorShapeProto? shape) => shape is null ? null : new Shape(shape.Dim.Select(d => d.ValueCase switch
    {
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => Dim.Of(d.DimValue),
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => Dim.Named(d.DimParam),
        _ => Dim.Unknown,
    }));

    private static TensorShapeProto ShapeProto(Shape shape)
    {
        var proto = new TensorShapeProto();
        foreach (var dim in shape)
        {
            var d = new TensorShapeProto.Types.Dimension();
            if (dim.Value is { } v) d.DimValue = v;
            else if (dim.Symbol is { } s) d.DimParam = s;
            proto.Dim.Add(d);
        }
        return proto;
    }
}

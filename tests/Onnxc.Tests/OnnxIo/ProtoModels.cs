using Google.Protobuf;
using Onnxc.Backends.Onnx.Protos;

namespace Onnxc.Tests.OnnxIo;

/// <summary>Small ModelProtos built by hand, for malformed-input and structure tests.</summary>
internal static class ProtoModels
{
    public static ValueInfoProto Float(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    public static NodeProto Node(string op, string[] inputs, string[] outputs, string? name = null, string domain = "")
    {
        var node = new NodeProto { OpType = op };
        if (name is not null) node.Name = name;
        if (domain.Length > 0) node.Domain = domain;
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    /// <summary>x → Relu → Neg → y, opset 17.</summary>
    public static ModelProto Chain()
    {
        var graph = new GraphProto { Name = "chain" };
        graph.Input.Add(Float("x", 2));
        graph.Node.Add(Node("Relu", new[] { "x" }, new[] { "r" }, "relu"));
        graph.Node.Add(Node("Neg", new[] { "r" }, new[] { "y" }, "neg"));
        graph.Output.Add(Float("y", 2));
        return Model(graph);
    }

    public static ModelProto Model(GraphProto graph, long opset = 17)
    {
        var model = new ModelProto { IrVersion = 9, Graph = graph, ProducerName = "test" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    /// <summary>A float initializer stored as external data.</summary>
    public static TensorProto External(string name, string location, long offset, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = 1, DataLocation = TensorProto.Types.DataLocation.External };
        tensor.Dims.AddRange(dims);
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return tensor;
    }

    /// <summary>x + w → y where w is the given initializer.</summary>
    public static ModelProto WithInitializer(TensorProto w)
    {
        var graph = new GraphProto { Name = "add" };
        graph.Input.Add(Float("x", w.Dims.ToArray()));
        graph.Initializer.Add(w);
        graph.Node.Add(Node("Add", new[] { "x", w.Name }, new[] { "y" }, "add"));
        graph.Output.Add(Float("y", w.Dims.ToArray()));
        return Model(graph);
    }

    public static byte[] Bytes(this IMessage message) => message.ToByteArray();
}

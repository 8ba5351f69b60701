using Google.Protobuf;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;
using AttrType = Onnxc.Backends.Onnx.Protos.AttributeProto.Types.AttributeType;

namespace Onnxc.Backends.Onnx.Export;

/// <summary>IR <see cref="Graph"/> → GraphProto: nodes in topological order, names from the <see cref="NameTable"/>.</summary>
internal sealed class GraphWriter(NameTable names, ExternalDataPlan plan)
{
    public GraphProto Write(Graph graph)
    {
        var proto = new GraphProto { Name = graph.Name };
        if (graph.DocString is not null) proto.DocString = graph.DocString;
        AddMetadata(proto.MetadataProps, graph.MetadataProps);
        foreach (var value in graph.Initializers)
        {
            var name = names.NameOf(value);
            if (value.Initializer is { } tensor) proto.Initializer.Add(plan.Encode(tensor, name, mayBeExternal: true));
            else if (value.SparseInitializer is { } sparse) proto.SparseInitializer.Add(Sparse(sparse, name));
        }
        foreach (var input in graph.Inputs) proto.Input.Add(Info(input));
        IReadOnlyList<Node> order;
        try
        {
            order = graph.TopologicalOrder();
        }
        catch (GraphCycleException e)
        {
            throw new OnnxcException(DiagnosticIds.GraphCycle, $"cannot export: {e.Message}", hint: "a pass left a cycle in the graph", inner: e);
        }
        // ONNX Runtime refuses a graph with two nodes of the same name, and passes name new nodes after the ones they
        // replace, so a repeated name gets a suffix here (the first keeps it).
        var nodeNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in order)
        {
            // Outputs are named before subgraphs so outer names win over inner duplicates.
            foreach (var output in node.Outputs) names.NameOf(output);
            proto.Node.Add(Node(node, nodeNames));
        }
        foreach (var output in graph.Outputs) proto.Output.Add(Info(output));
        foreach (var node in order)
        {
            foreach (var value in node.Outputs)
            {
                if (value.IsGraphOutput && graph.Outputs.Contains(value)) continue;
                if (value.Type is null && value.DocString is null && value.MetadataProps.Count == 0) continue;
                if (names.NameOf(value).Length == 0) continue;
                proto.ValueInfo.Add(Info(value));
            }
        }
        foreach (var opaque in graph.OpaqueFields) proto.MergeFrom(opaque.ToArray());
        return proto;
    }

    private static string UniqueNodeName(string name, HashSet<string> taken)
    {
        if (name.Length == 0 || taken.Add(name)) return name;
        for (int i = 2; ; i++)
        {
            if (taken.Add($"{name}_{i}")) return $"{name}_{i}";
        }
    }

    private NodeProto Node(Node node, HashSet<string> nodeNames)
    {
        var proto = new NodeProto { OpType = node.OpType };
        if (node.Domain.Length > 0) proto.Domain = node.Domain;
        if (node.Overload.Length > 0) proto.Overload = node.Overload;
        if (node.Name is { } name) proto.Name = UniqueNodeName(name, nodeNames);
        if (node.DocString is not null) proto.DocString = node.DocString;
        foreach (var input in node.Inputs) proto.Input.Add(input is null ? "" : names.NameOf(input));
        foreach (var output in node.Outputs) proto.Output.Add(names.NameOf(output));
        foreach (var attribute in node.Attributes) proto.Attribute.Add(Attribute(attribute));
        AddMetadata(proto.MetadataProps, node.MetadataProps);
        ProtoResidual.MergeInto(node, proto);
        return proto;
    }

    public AttributeProto Attribute(Attribute attribute)
    {
        var proto = new AttributeProto { Name = attribute.Name, Type = (AttrType)(int)attribute.Kind };
        if (attribute.DocString is not null) proto.DocString = attribute.DocString;
        if (attribute.RefAttributeName is not null)
        {
            proto.RefAttrName = attribute.RefAttributeName;
            return proto;
        }
        switch (attribute.Value)
        {
            case float f: proto.F = f; break;
            case long i: proto.I = i; break;
            case string s: proto.S = ByteString.CopyFromUtf8(s); break;
            case Tensor t: proto.T = plan.Encode(t, t.Name, mayBeExternal: false); break;
            case Graph g: proto.G = Write(g); break;
            case SparseTensor st: proto.SparseTensor = Sparse(st, st.Name); break;
            case IrType tp: proto.Tp = TypeProtoCodec.ToProto(tp); break;
            case float[] fs: proto.Floats.Add(fs); break;
            case long[] ints: proto.Ints.Add(ints); break;
            case string[] ss: proto.Strings.Add(ss.Select(ByteString.CopyFromUtf8)); break;
            case Tensor[] ts: proto.Tensors.Add(ts.Select(t => plan.Encode(t, t.Name, mayBeExternal: false))); break;
            case Graph[] gs: proto.Graphs.Add(gs.Select(Write)); break;
            case SparseTensor[] sts: proto.SparseTensors.Add(sts.Select(st => Sparse(st, st.Name))); break;
            case IrType[] tps: proto.TypeProtos.Add(tps.Select(t => TypeProtoCodec.ToProto(t))); break;
            default:
                throw new OnnxcException(DiagnosticIds.InvalidAttribute, $"attribute '{attribute.Name}' of kind {attribute.Kind} holds {attribute.Value?.GetType().Name ?? "null"}, which cannot be written");
        }
        return proto;
    }

    private SparseTensorProto Sparse(SparseTensor sparse, string? name)
    {
        var proto = new SparseTensorProto
        {
            Values = plan.Encode(sparse.Values, name, mayBeExternal: false),
            Indices = plan.Encode(sparse.Indices, sparse.Indices.Name, mayBeExternal: false),
        };
        proto.Dims.Add(sparse.Dims);
        return proto;
    }

    private ValueInfoProto Info(Value value)
    {
        var proto = new ValueInfoProto { Name = names.NameOf(value) };
        if (TypeProtoCodec.ToProto(value.Type) is { } type) proto.Type = type;
        if (value.DocString is not null) proto.DocString = value.DocString;
        AddMetadata(proto.MetadataProps, value.MetadataProps);
        return proto;
    }

    internal static void AddMetadata(Google.Protobuf.Collections.RepeatedField<StringStringEntryProto> target, IEnumerable<KeyValuePair<string, string>> entries)
    {
        foreach (var (key, value) in entries) target.Add(new StringStringEntryProto { Key = key, Value = value });
    }
}

using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx.Import;

/// <summary>
/// GraphProto → IR <see cref="Graph"/>. Node outputs are defined before any input is resolved, so graphs that are
/// not topologically sorted (allowed by ONNX) import and are sorted afterwards; subgraphs resolve names through
/// the enclosing scopes.
/// </summary>
internal static class GraphReader
{
    private static readonly int[] GraphFields = { 1, 2, 5, 10, 11, 12, 13, 15, 16 };
    private static readonly int[] NodeFields = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

    public static Graph Read(GraphProto proto, Scope? parent, ImportContext context, string where)
    {
        var graph = new Graph(proto.Name) { DocString = proto.HasDocString ? proto.DocString : null };
        var graphWhere = parent is null ? $"graph '{proto.Name}'" : $"subgraph '{proto.Name}' ({where})";
        AddMetadata(graph.MetadataProps, proto.MetadataProps);
        var scope = new Scope(parent);

        for (int i = 0; i < proto.Initializer.Count; i++)
        {
            var init = proto.Initializer[i];
            var name = RequireName(init.Name, $"initializer #{i} of {graphWhere}");
            var tensor = context.ReadTensor(init, $"'{name}' (initializer of {graphWhere})");
            Define(scope, name, graph.AddInitializer(name, tensor), graphWhere);
        }
        for (int i = 0; i < proto.SparseInitializer.Count; i++)
        {
            var sparse = proto.SparseInitializer[i];
            var name = RequireName(sparse.Values?.Name, $"sparse initializer #{i} of {graphWhere}");
            Define(scope, name, graph.AddSparseInitializer(name, context.ReadSparseTensor(sparse, $"'{name}' (sparse initializer of {graphWhere})")), graphWhere);
        }
        foreach (var input in proto.Input)
        {
            var name = RequireName(input.Name, $"an input of {graphWhere}");
            var type = TypeProtoCodec.FromProto(input.Type);
            var value = scope.Local(name);
            if (value is not null && value.IsInitializer && !value.IsGraphInput)
            {
                graph.MarkInitializerAsInput(value);
                if (type is not null) value.Type = type;
            }
            else if (value is not null)
            {
                throw Duplicate(name, graphWhere);
            }
            else
            {
                value = graph.AddInput(new Value(name, type));
                scope.TryDefine(name, value);
            }
            ApplyInfo(value, input, typeToo: false);
        }

        var nodes = new List<(Node Node, NodeProto Proto, string Where)>(proto.Node.Count);
        for (int i = 0; i < proto.Node.Count; i++)
        {
            var np = proto.Node[i];
            var nodeWhere = Describe(np, i, graphWhere);
            if (string.IsNullOrEmpty(np.OpType)) throw new OnnxcException(DiagnosticIds.InvalidGraph, $"{nodeWhere} has no op_type");
            var node = new Node(np.OpType, Array.Empty<Value?>(), np.Output, np.Domain, null, np.HasName ? np.Name : null)
            {
                Overload = np.Overload,
                DocString = np.HasDocString ? np.DocString : null,
            };
            AddMetadata(node.MetadataProps, np.MetadataProps);
            graph.Append(node);
            foreach (var output in node.Outputs)
            {
                if (output.Name.Length > 0 && !scope.TryDefine(output.Name, output)) throw Duplicate(output.Name, graphWhere, nodeWhere);
            }
            nodes.Add((node, np, nodeWhere));
        }
        foreach (var (node, np, nodeWhere) in nodes)
        {
            foreach (var name in np.Input)
            {
                if (name.Length == 0)
                {
                    node.AppendInput(null);
                    continue;
                }
                var value = scope.Lookup(name) ?? throw new OnnxcException(DiagnosticIds.UndefinedValue,
                    $"{nodeWhere} reads '{name}', which no node, input or initializer defines",
                    hint: "the model is incomplete; check that every value a node reads is produced before it");
                node.AppendInput(value);
            }
            foreach (var attribute in np.Attribute) node.SetAttribute(AttributeReader.Read(attribute, nodeWhere, scope, context));
            np.Input.Clear(); np.Output.Clear(); np.ClearName(); np.ClearOpType(); np.Attribute.Clear(); np.ClearDocString();
            np.ClearDomain(); np.ClearOverload(); np.MetadataProps.Clear();
            ProtoResidual.Attach(node, ProtoResidual.Take(np, nodeWhere, DiagnosticIds.InvalidGraph, NodeFields));
        }

        foreach (var info in proto.ValueInfo)
        {
            if (scope.Local(info.Name) is { } value) ApplyInfo(value, info, typeToo: true);
        }
        var outputNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in proto.Output)
        {
            var name = RequireName(output.Name, $"an output of {graphWhere}");
            if (!outputNames.Add(name))
            {
                throw new OnnxcException(DiagnosticIds.DuplicateOutputName, $"{graphWhere} lists output '{name}' twice",
                    hint: "graph output names must be unique");
            }
            var value = scope.Lookup(name) ?? throw new OnnxcException(DiagnosticIds.UndefinedValue,
                $"{graphWhere} has output '{name}', which no node, input or initializer defines");
            graph.AddOutput(value);
            // An output that names an outer value does not own it: leave the outer value's type alone.
            if (scope.Local(name) is not null) ApplyInfo(value, output, typeToo: true);
        }

        try
        {
            GraphOrder.Ensure(graph);
        }
        catch (GraphCycleException e)
        {
            throw new OnnxcException(DiagnosticIds.GraphCycle, $"{graphWhere}: {e.Message}", hint: "ONNX graphs must be acyclic; loops are expressed with the Loop operator", inner: e);
        }

        proto.Node.Clear(); proto.ClearName(); proto.Initializer.Clear(); proto.SparseInitializer.Clear(); proto.ClearDocString();
        proto.Input.Clear(); proto.Output.Clear(); proto.ValueInfo.Clear(); proto.MetadataProps.Clear();
        if (ProtoResidual.Take(proto, graphWhere, DiagnosticIds.InvalidGraph, GraphFields) is { } rest) graph.OpaqueFields.Add(rest);
        return graph;
    }

    private static void ApplyInfo(Value value, ValueInfoProto info, bool typeToo)
    {
        if (typeToo && TypeProtoCodec.FromProto(info.Type) is { } type) value.Type = type;
        if (info.HasDocString) value.DocString = info.DocString;
        if (info.MetadataProps.Count > 0)
        {
            value.MetadataProps.Clear();
            AddMetadata(value.MetadataProps, info.MetadataProps);
        }
    }

    internal static void AddMetadata(List<KeyValuePair<string, string>> target, IEnumerable<StringStringEntryProto> entries)
    {
        foreach (var e in entries) target.Add(new KeyValuePair<string, string>(e.Key, e.Value));
    }

    private static void Define(Scope scope, string name, Value value, string graphWhere)
    {
        if (!scope.TryDefine(name, value)) throw Duplicate(name, graphWhere);
    }

    private static string RequireName(string? name, string what) => string.IsNullOrEmpty(name)
        ? throw new OnnxcException(DiagnosticIds.InvalidGraph, $"{what} has no name")
        : name;

    private static string Describe(NodeProto node, int index, string graphWhere)
    {
        var op = string.IsNullOrEmpty(node.Domain) ? node.OpType : node.Domain + "::" + node.OpType;
        return string.IsNullOrEmpty(node.Name) ? $"node #{index} ({op}) of {graphWhere}" : $"node '{node.Name}' ({op}) of {graphWhere}";
    }

    private static OnnxcException Duplicate(string name, string graphWhere, string? nodeWhere = null) =>
        new(DiagnosticIds.DuplicateValueName, nodeWhere is null
                ? $"'{name}' is defined twice in {graphWhere}"
                : $"{nodeWhere} defines '{name}', which is already defined in {graphWhere}",
            hint: "ONNX values are single-assignment: each name has one producer");
}

using System.Text;
using System.Text.RegularExpressions;
using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>
/// A sample as torch.onnx.export writes it with <c>export_modules_as_functions</c>: each transformer layer becomes a
/// call of a model-local function, one function per layer shape, shared by the layers; the layer's weights are
/// the call's inputs (functions hold no initializers) and its values are untyped inside the body.
/// </summary>
public static partial class ModuleFunctionExport
{
    /// <summary>The domain of the layer functions (torch uses the module's Python package).</summary>
    public const string Domain = "pkg.onnxc.samples";

    /// <summary>Rewrites <paramref name="model"/> in place: every "…/layer.N/…" (h.N, layers.N, blocks.N) group of nodes becomes one call.</summary>
    public static Model AsModuleFunctions(Model model)
    {
        var graph = model.Graph;
        var groups = graph.Nodes.Select(n => (Node: n, Scope: LayerScope(n))).Where(p => p.Scope is not null)
            .GroupBy(p => p.Scope!, p => p.Node, StringComparer.Ordinal).ToList();
        var functions = new Dictionary<string, Function>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var nodes = group.ToList();
            var members = new HashSet<Node>(nodes, ReferenceEqualityComparer.Instance);
            var inputs = nodes.SelectMany(n => n.Inputs).OfType<Value>().Where(v => v.Producer is null || !members.Contains(v.Producer)).Distinct().ToList();
            var outputs = nodes.SelectMany(n => n.Outputs).Where(v => v.IsGraphOutput || v.Uses.Any(u => !members.Contains(u.Node))).ToList();
            var signature = Signature(nodes, inputs, outputs);
            if (!functions.TryGetValue(signature, out var function))
            {
                function = Body($"Layer{functions.Count}", group.Key, nodes, inputs, outputs, model);
                functions[signature] = function;
                model.Functions.Add(function);
            }
            Replace(graph, group.Key, nodes, inputs, outputs, function);
        }
        if (functions.Count > 0) model.EnsureOpset(Domain, 1);
        graph.SortTopologically();
        return model;
    }

    [GeneratedRegex(@"^(.*?/(?:layer|layers|h|blocks)\.\d+)/")]
    private static partial Regex LayerPath();

    private static string? LayerScope(Node node) => node.Name is { } name && LayerPath().Match(name) is { Success: true } match ? match.Groups[1].Value : null;

    /// <summary>The group's structure (ops, attributes, where each input comes from): equal for layers one function can serve.</summary>
    private static string Signature(List<Node> nodes, List<Value> inputs, List<Value> outputs)
    {
        var index = new Dictionary<Value, string>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++) index[inputs[i]] = $"in{i}";
        var text = new StringBuilder();
        for (int n = 0; n < nodes.Count; n++)
        {
            var node = nodes[n];
            text.Append(node.Domain).Append("::").Append(node.OpType).Append('(');
            text.AppendJoin(',', node.Inputs.Select(v => v is null ? "-" : index[v]));
            text.Append(")[").AppendJoin(';', node.Attributes.Select(a => $"{a.Name}={AttributeText(a)}")).Append("]\n");
            for (int k = 0; k < node.Outputs.Count; k++) index[node.Outputs[k]] = $"n{n}.{k}";
        }
        text.AppendJoin(',', outputs.Select(o => index[o]));
        return text.ToString();
    }

    private static string AttributeText(Ir.Attribute attribute) => attribute.Value switch
    {
        Tensor t => $"{t.Type}:{Convert.ToHexString(t.Bytes.Span)}",
        long[] ints => string.Join(' ', ints),
        float[] floats => string.Join(' ', floats),
        _ => attribute.Value?.ToString() ?? "",
    };

    private static Function Body(string name, string scope, List<Node> nodes, List<Value> inputs, List<Value> outputs, Model model)
    {
        var body = new Graph(name);
        var map = new Dictionary<Value, Value>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++) map[inputs[i]] = body.AddInput(new Value($"input_{i}"));
        foreach (var node in nodes)
        {
            var copy = new Node(node.OpType, node.Inputs.Select(v => v is null ? null : map[v]), node.Outputs.Select(o => o.Name).ToList(),
                node.Domain, node.Attributes, node.Name?[(scope.Length + 1)..]); // named inside the layer: "attention/self/query/MatMul"
            body.Append(copy);
            for (int k = 0; k < node.Outputs.Count; k++) map[node.Outputs[k]] = copy.Outputs[k];
        }
        foreach (var output in outputs) body.AddOutput(map[output]);
        var function = new Function(Domain, name, body);
        function.OpsetImports.AddRange(model.OpsetImports);
        return function;
    }

    /// <summary>Puts one call of <paramref name="function"/> where the group's nodes were; the call's outputs keep their names.</summary>
    private static void Replace(Graph graph, string scope, List<Node> nodes, List<Value> inputs, List<Value> outputs, Function function)
    {
        var call = new Node(function.Name, inputs, outputs.Select(o => o.Name + "__call").ToList(), function.Domain, Array.Empty<Ir.Attribute>(), scope);
        graph.InsertAfter(nodes[^1], call);
        for (int i = 0; i < outputs.Count; i++)
        {
            call.Outputs[i].Type = outputs[i].Type;
            outputs[i].ReplaceAllUsesWith(call.Outputs[i]);
        }
        for (int n = nodes.Count - 1; n >= 0; n--) graph.Remove(nodes[n]);
        for (int i = 0; i < outputs.Count; i++) call.Outputs[i].Name = outputs[i].Name;
    }
}

using Onnxc.Ir;

namespace Onnxc.Passes.Cleanup;

/// <summary>Copies one function body in place of one call (the checks are <see cref="InlineFunctions"/>'s).</summary>
internal static class FunctionBodyCopy
{
    public static void Inline(Model model, Graph graph, Node call, Function function, ValueNames names)
    {
        var body = function.Body;
        // Copies are named under the call ("/layer.0/attn/" + the body's name): the call itself goes.
        var prefix = call.Name is { Length: > 0 } name ? name : function.Name;
        // Formal inputs read the call's actual inputs; an input the call leaves out is absent inside too.
        var actual = new Dictionary<Value, Value?>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < body.Inputs.Count; i++) actual[body.Inputs[i]] = i < call.Inputs.Count ? call.Inputs[i] : null;
        var produced = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        foreach (var inner in body.TopologicalOrder())
        {
            var inputs = inner.Inputs.Select(v => v is null ? null : actual[v]);
            // An unnamed output (an optional one the body does not produce) stays unnamed.
            var outputs = inner.Outputs.Select(o => o.Name.Length == 0 ? "" : names.FreshValueName($"{prefix}/{o.Name}"));
            var copy = new Node(inner.OpType, inputs, outputs.ToList(), inner.Domain, Attributes(inner, call, function),
                names.FreshNodeName($"{prefix}/{inner.Name ?? inner.OpType}"))
            {
                Overload = inner.Overload,
                DocString = inner.DocString,
            };
            graph.InsertBefore(call, copy);
            for (int k = 0; k < inner.Outputs.Count; k++)
            {
                copy.Outputs[k].Type = inner.Outputs[k].Type;
                actual[inner.Outputs[k]] = copy.Outputs[k];
                produced.Add(copy.Outputs[k]);
            }
        }
        foreach (var import in function.OpsetImports)
        {
            if (model.OpsetVersion(import.Domain) is null) model.OpsetImports.Add(import);
        }
        var named = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < call.Outputs.Count; i++)
        {
            var result = actual[body.Outputs[i]]!;
            var output = call.Outputs[i];
            // A graph output keeps its name, which only a value computed here can take over (once): otherwise the
            // output is an Identity of the result, as the call's was.
            if (output.IsGraphOutput && (!produced.Contains(result) || !named.Add(result)))
            {
                var identity = new Node("Identity", new[] { result }, new[] { names.FreshValueName($"{prefix}/output_{i}") }, "", Array.Empty<Ir.Attribute>(), names.FreshNodeName($"{prefix}/Identity_{i}"));
                graph.InsertBefore(call, identity);
                result = identity.Output();
            }
            result.Type ??= output.Type;
            output.ReplaceAllUsesWith(result);
        }
        graph.Remove(call);
    }

    /// <summary>
    /// The body node's attributes at this call: a reference takes the call's attribute of that name, else the
    /// function's default, else it is left out (ONNX: an unset attribute with no default is absent).
    /// </summary>
    private static IEnumerable<Ir.Attribute> Attributes(Node inner, Node call, Function function)
    {
        foreach (var attribute in inner.Attributes)
        {
            if (attribute.RefAttributeName is not { } reference)
            {
                yield return attribute;
                continue;
            }
            var given = call.GetAttribute(reference) ?? function.AttributeDefaults.Find(a => a.Name == reference);
            if (given is not null) yield return new Ir.Attribute(attribute.Name, given.Kind, given.Value) { DocString = attribute.DocString };
        }
    }
}

/// <summary>Value and node names already used anywhere in a model, to give copied nodes names of their own.</summary>
internal sealed class ValueNames
{
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodes = new(StringComparer.Ordinal);

    public ValueNames(Model model)
    {
        foreach (var graph in GraphWalk.WithSubgraphs(model.Graph))
        {
            _values.UnionWith(graph.Inputs.Concat(graph.Initializers).Concat(graph.Outputs).Select(v => v.Name));
            foreach (var node in graph.Nodes)
            {
                _values.UnionWith(node.Outputs.Select(v => v.Name));
                if (node.Name is { } name) _nodes.Add(name);
            }
        }
    }

    public string FreshValueName(string wanted) => Fresh(_values, wanted);

    public string FreshNodeName(string wanted) => Fresh(_nodes, wanted);

    private static string Fresh(HashSet<string> taken, string wanted)
    {
        var name = wanted;
        for (int n = 1; !taken.Add(name); n++) name = $"{wanted}_{n}";
        return name;
    }
}

using Onnxc.Ir;

namespace Onnxc.Passes.Cleanup;

/// <summary>
/// Merges nodes that compute the same thing (same op, same attributes, same input values) and small initializers
/// with identical contents, so later passes see one value where the exporter wrote several.
/// </summary>
public sealed class EliminateCommonSubexpressions : IPass
{
    /// <summary>Initializers larger than this are not compared: hashing weights costs more than duplicates save.</summary>
    public const long MaxComparedInitializerBytes = 1 << 16;

    public string Name => "eliminate-common-subexpressions";

    public string Description => "merge identical nodes and identical small constants";

    public PassResult Run(Model model, PassContext context)
    {
        int constants = 0, nodes = 0;
        foreach (var graph in GraphWalk.AllGraphs(model).ToList())
        {
            constants += MergeInitializers(graph);
            nodes += MergeNodes(graph);
        }
        return PassResult.Of(("merged-nodes", nodes), ("merged-initializers", constants));
    }

    private static int MergeInitializers(Graph graph)
    {
        int merged = 0;
        var seen = new Dictionary<string, List<Value>>(StringComparer.Ordinal);
        foreach (var value in graph.Initializers.ToList())
        {
            if (value.Initializer is not { } tensor || value.IsGraphInput || value.IsGraphOutput) continue;
            if (tensor is StringTensor || tensor.ByteLength > MaxComparedInitializerBytes) continue;
            var key = $"{tensor.ElementType}|{string.Join(",", tensor.Dims)}|{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(tensor.Bytes.Span))}";
            if (!seen.TryGetValue(key, out var candidates)) seen[key] = candidates = new List<Value>();
            var twin = candidates.Find(c => c.Initializer!.ContentEquals(tensor));
            if (twin is null)
            {
                candidates.Add(value);
                continue;
            }
            value.ReplaceAllUsesWith(twin);
            graph.RemoveInitializer(value);
            merged++;
        }
        return merged;
    }

    private static int MergeNodes(Graph graph)
    {
        int merged = 0;
        var seen = new Dictionary<NodeKey, Node>();
        foreach (var node in graph.Nodes.ToList())
        {
            if (!IsMergeable(node)) continue;
            var key = new NodeKey(node);
            if (!seen.TryGetValue(key, out var twin))
            {
                seen[key] = node;
                continue;
            }
            // Two graph outputs must stay two named values; merging them would drop one name.
            if (node.Outputs.Any(o => o.IsGraphOutput) && twin.Outputs.Any(o => o.IsGraphOutput)) continue;
            for (int i = 0; i < node.Outputs.Count; i++) node.Outputs[i].ReplaceAllUsesWith(twin.Outputs[i]);
            graph.Remove(node);
            merged++;
        }
        return merged;
    }

    private static bool IsMergeable(Node node) =>
        !node.Subgraphs.Any() && !(node.Domain.Length == 0 && node.OpType.StartsWith("Random", StringComparison.Ordinal))
        && !(node.Domain.Length == 0 && node.OpType is "Multinomial" or "Bernoulli" or "Dropout");

    /// <summary>Identity of a computation: op, attributes by value, inputs by reference.</summary>
    private sealed class NodeKey(Node node) : IEquatable<NodeKey>
    {
        private readonly Node _node = node;

        public bool Equals(NodeKey? other)
        {
            if (other is null) return false;
            var a = _node;
            var b = other._node;
            return a.OpType == b.OpType && a.Domain == b.Domain && a.Overload == b.Overload
                && a.Outputs.Count == b.Outputs.Count
                && a.Inputs.Count == b.Inputs.Count && a.Inputs.Zip(b.Inputs).All(p => ReferenceEquals(p.First, p.Second))
                && a.Attributes.Count == b.Attributes.Count
                && a.Attributes.All(x => b.GetAttribute(x.Name) is { } y && x.ValueEquals(y));
        }

        public override bool Equals(object? obj) => Equals(obj as NodeKey);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.Add(_node.OpType);
            hash.Add(_node.Domain);
            foreach (var input in _node.Inputs) hash.Add(input is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(input));
            foreach (var attribute in _node.Attributes) hash.Add(attribute.Name);
            return hash.ToHashCode();
        }
    }
}

using Onnxc.Ir;

namespace Onnxc.Passes.Rewriting;

/// <summary>
/// The one place rewrite rules change the graph: new nodes go before the rule's root (which dominates the matched
/// region's uses), uses are redirected, and matched nodes left without readers are removed. Counts what it did.
/// </summary>
public sealed class Rewriter
{
    private int _nameCounter;

    public Rewriter(Model model, Graph graph, Node root)
    {
        Model = model;
        Graph = graph;
        Root = root;
    }

    public Model Model { get; }

    public Graph Graph { get; }

    /// <summary>The node the current rule is anchored at; new nodes are inserted before it.</summary>
    public Node Root { get; private set; }

    public int NodesAdded { get; private set; }

    public int NodesRemoved { get; private set; }

    internal void MoveTo(Node root) => Root = root;

    /// <summary>The default-domain opset of the model (what decides attribute-vs-input forms).</summary>
    public long Opset => Model.OpsetVersion("") ?? 1;

    /// <summary>Creates a node just before the root, declaring its domain's opset import when missing.</summary>
    public Node Add(string opType, IEnumerable<Value?> inputs, int outputCount = 1, string domain = "",
        IEnumerable<Attribute>? attributes = null, string? name = null, long domainVersion = 1)
    {
        if (domain.Length > 0) Model.EnsureOpset(domain, domainVersion);
        var hint = name ?? $"{opType}_{Root.Name ?? "onnxc"}";
        var outputs = Enumerable.Range(0, outputCount).Select(i => outputCount == 1 ? $"{hint}_out" : $"{hint}_out{i}");
        var node = new Node(opType, inputs, outputs, domain, attributes, name ?? $"{hint}_{_nameCounter++}");
        Graph.InsertBefore(Root, node);
        NodesAdded++;
        return node;
    }

    /// <summary>Adds a constant to the graph being rewritten.</summary>
    public Value Constant(string nameHint, Tensor tensor) => Graph.AddInitializer(nameHint, tensor);

    /// <summary>Makes every reader of <paramref name="old"/> read <paramref name="replacement"/> (graph outputs keep their names).</summary>
    public void Replace(Value old, Value replacement) => old.ReplaceAllUsesWith(replacement);

    /// <summary>Removes the given nodes that nobody reads any more, latest first so chains disappear whole.</summary>
    public void RemoveIfUnused(IEnumerable<Node> nodes)
    {
        bool removedAny = true;
        var pending = nodes.Distinct().ToList();
        while (removedAny)
        {
            removedAny = false;
            foreach (var node in pending.ToList())
            {
                if (node.Graph is null || node.Outputs.Any(o => o.Uses.Count > 0 || o.IsGraphOutput)) continue;
                node.Graph.Remove(node);
                pending.Remove(node);
                NodesRemoved++;
                removedAny = true;
            }
        }
    }
}

using QuikGraph;
using QuikGraph.Algorithms;

namespace Onnxc.Ir;

/// <summary>
/// An ordered list of nodes with inputs, initializers and outputs. Subgraphs (If/Loop/Scan bodies) are Graphs
/// whose <see cref="ParentNode"/> is set; their nodes may read values of enclosing graphs directly.
/// </summary>
public sealed class Graph
{
    private readonly LinkedList<Node> _nodes = new();
    private readonly List<Value> _inputs = new();
    private readonly List<Value> _outputs = new();
    private readonly List<Value> _initializers = new();

    public Graph(string name = "") => Name = name;

    public string Name { get; set; }

    public string? DocString { get; set; }

    public List<KeyValuePair<string, string>> MetadataProps { get; } = new();

    /// <summary>ONNX quantization annotations and other graph fields kept opaque (serialized bytes), so they round-trip.</summary>
    public List<ReadOnlyMemory<byte>> OpaqueFields { get; } = new();

    /// <summary>The node holding this graph in an attribute, when this is a subgraph.</summary>
    public Node? ParentNode { get; internal set; }

    /// <summary>The enclosing graph, when this is a subgraph.</summary>
    public Graph? Parent => ParentNode?.Graph;

    public IReadOnlyList<Value> Inputs => _inputs;

    public IReadOnlyList<Value> Outputs => _outputs;

    /// <summary>Initializers in file order (some may also be graph inputs, as older IR versions required).</summary>
    public IReadOnlyList<Value> Initializers => _initializers;

    /// <summary>Nodes in their current order (topological after import and after <see cref="SortTopologically"/>).</summary>
    public IEnumerable<Node> Nodes => _nodes;

    public int NodeCount => _nodes.Count;

    public Value AddInput(Value value)
    {
        ClaimDefinition(value);
        _inputs.Add(value);
        return value;
    }

    /// <summary>Declares an input; if <paramref name="value"/> is already an initializer, it becomes an overridable one.</summary>
    public void MarkInitializerAsInput(Value value)
    {
        if (value.OwningGraph != this || !value.IsInitializer) throw new InvalidOperationException($"'{value.Name}' is not an initializer of this graph");
        if (!_inputs.Contains(value)) _inputs.Add(value);
    }

    public void RemoveInput(Value value)
    {
        if (value.Uses.Count > 0) throw new InvalidOperationException($"input '{value.Name}' is still used by {value.Uses[0].Node}");
        if (!_inputs.Remove(value)) throw new InvalidOperationException($"'{value.Name}' is not an input of this graph");
        if (!value.IsInitializer) value.OwningGraph = null;
    }

    public Value AddInitializer(string name, Tensor tensor)
    {
        var value = new Value(name, tensor.Type) { Initializer = tensor };
        ClaimDefinition(value);
        _initializers.Add(value);
        return value;
    }

    public Value AddSparseInitializer(string name, SparseTensor tensor)
    {
        var value = new Value(name, new SparseTensorType(tensor.Values.ElementType, Shape.Of(tensor.Dims.ToArray()))) { SparseInitializer = tensor };
        ClaimDefinition(value);
        _initializers.Add(value);
        return value;
    }

    /// <summary>Replaces the data of an initializer (e.g. with a quantized or lazy tensor).</summary>
    public void SetInitializer(Value value, Tensor tensor)
    {
        if (value.OwningGraph != this || value.Initializer is null) throw new InvalidOperationException($"'{value.Name}' is not an initializer of this graph");
        value.Initializer = tensor;
        value.Type = tensor.Type;
    }

    public void RemoveInitializer(Value value)
    {
        if (value.Uses.Count > 0 || value.IsGraphOutput) throw new InvalidOperationException($"initializer '{value.Name}' is still used");
        if (!_initializers.Remove(value)) throw new InvalidOperationException($"'{value.Name}' is not an initializer of this graph");
        _inputs.Remove(value);
        value.Initializer = null;
        value.SparseInitializer = null;
        value.OwningGraph = null;
    }

    public void AddOutput(Value value)
    {
        _outputs.Add(value);
        value.OutputOf.Add(this);
    }

    public void SetOutput(int index, Value value)
    {
        var old = _outputs[index];
        old.OutputOf.Remove(this);
        _outputs[index] = value;
        value.OutputOf.Add(this);
    }

    public void RemoveOutput(int index)
    {
        _outputs[index].OutputOf.Remove(this);
        _outputs.RemoveAt(index);
    }

    internal void ReplaceOutputValue(Value old, Value replacement)
    {
        for (int i = 0; i < _outputs.Count; i++)
        {
            if (!ReferenceEquals(_outputs[i], old)) continue;
            // The output name is the model's interface: keep it by handing it to a computed replacement.
            if (replacement.Producer is not null && !replacement.IsGraphOutput)
            {
                (replacement.Name, old.Name) = (old.Name, replacement.Name);
            }
            SetOutput(i, replacement);
        }
    }

    /// <summary>Creates a node and appends it at the end of the graph.</summary>
    public Node Append(string opType, IEnumerable<Value?> inputs, int outputCount = 1, string domain = "",
        IEnumerable<Attribute>? attributes = null, string? name = null, string? outputHint = null)
    {
        var hint = outputHint ?? name ?? opType;
        var outputs = Enumerable.Range(0, outputCount).Select(i => outputCount == 1 ? hint : $"{hint}_{i}");
        var node = new Node(opType, inputs, outputs, domain, attributes, name);
        Append(node);
        return node;
    }

    public void Append(Node node)
    {
        Adopt(node);
        node.ListNode = _nodes.AddLast(node);
    }

    public void InsertBefore(Node anchor, Node node)
    {
        RequireMember(anchor);
        Adopt(node);
        node.ListNode = _nodes.AddBefore(anchor.ListNode!, node);
    }

    public void InsertAfter(Node anchor, Node node)
    {
        RequireMember(anchor);
        Adopt(node);
        node.ListNode = _nodes.AddAfter(anchor.ListNode!, node);
    }

    /// <summary>Removes a node whose outputs nobody reads and disconnects its inputs.</summary>
    public void Remove(Node node)
    {
        RequireMember(node);
        foreach (var output in node.Outputs)
        {
            if (output.Uses.Count > 0) throw new InvalidOperationException($"cannot remove {node}: output '{output.Name}' is read by {output.Uses[0].Node}");
            if (output.IsGraphOutput) throw new InvalidOperationException($"cannot remove {node}: output '{output.Name}' is a graph output");
        }
        node.ClearInputs();
        _nodes.Remove(node.ListNode!);
        node.ListNode = null;
        node.Graph = null;
    }

    /// <summary>This graph's nodes and, depth first, those of every subgraph.</summary>
    public IEnumerable<Node> AllNodes()
    {
        foreach (var node in _nodes)
        {
            yield return node;
            foreach (var sub in node.Subgraphs)
            {
                foreach (var inner in sub.AllNodes()) yield return inner;
            }
        }
    }

    /// <summary>Reorders nodes so every producer precedes its readers; a graph already in order keeps its order.</summary>
    public void SortTopologically()
    {
        var order = TopologicalOrder();
        _nodes.Clear();
        foreach (var node in order) node.ListNode = _nodes.AddLast(node);
    }

    /// <summary>
    /// The nodes in a dependency order: the current order when it already is one (so import/export round trips do
    /// not permute independent nodes), otherwise a topological sort. Throws <see cref="GraphCycleException"/> on a cycle.
    /// </summary>
    public IReadOnlyList<Node> TopologicalOrder()
    {
        var current = _nodes.ToList();
        return IsInDependencyOrder(current) ? current : SortedOrder();
    }

    private bool IsInDependencyOrder(List<Node> nodes)
    {
        var position = new Dictionary<Node, int>(nodes.Count, ReferenceEqualityComparer.Instance);
        for (int i = 0; i < nodes.Count; i++) position[nodes[i]] = i;
        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (var dependency in Dependencies(nodes[i]))
            {
                if (!position.TryGetValue(dependency, out var at) || at >= i) return false;
            }
        }
        return true;
    }

    private IReadOnlyList<Node> SortedOrder()
    {
        var graph = new BidirectionalGraph<Node, Edge<Node>>(allowParallelEdges: false);
        graph.AddVertexRange(_nodes);
        foreach (var node in _nodes)
        {
            foreach (var dependency in Dependencies(node))
            {
                if (!graph.ContainsEdge(dependency, node)) graph.AddEdge(new Edge<Node>(dependency, node));
            }
        }
        try
        {
            return graph.SourceFirstTopologicalSort().ToList();
        }
        catch (NonAcyclicGraphException)
        {
            var components = new Dictionary<Node, int>();
            graph.StronglyConnectedComponents(components);
            var cycle = components.GroupBy(p => p.Value).Where(g => g.Count() > 1).First().Select(p => p.Key).Take(4);
            throw new GraphCycleException($"graph '{Name}' has a cycle through {string.Join(", ", cycle)}");
        }
    }

    /// <summary>Nodes of this graph whose outputs <paramref name="node"/> reads, directly or from inside its (nested) subgraphs.</summary>
    private IEnumerable<Node> Dependencies(Node node)
    {
        foreach (var input in node.Inputs)
        {
            if (input?.Producer is { } p && p.Graph == this) yield return p;
        }
        foreach (var sub in node.Subgraphs)
        {
            foreach (var inner in sub.AllNodes())
            {
                foreach (var input in inner.Inputs)
                {
                    if (input?.Producer is { } p && p.Graph == this) yield return p;
                }
            }
            foreach (var nested in sub.AllNodes().SelectMany(n => n.Subgraphs).Prepend(sub))
            {
                foreach (var output in nested.Outputs)
                {
                    if (output.Producer is { } p && p.Graph == this) yield return p;
                }
            }
        }
    }

    private void Adopt(Node node)
    {
        if (node.Graph is not null) throw new InvalidOperationException($"{node} is already in a graph");
        node.Graph = this;
    }

    private void RequireMember(Node node)
    {
        if (node.Graph != this || node.ListNode is null) throw new InvalidOperationException($"{node} is not in graph '{Name}'");
    }

    private void ClaimDefinition(Value value)
    {
        if (value.OwningGraph == this) return;
        if (value.Producer is not null || value.OwningGraph is not null)
        {
            throw new InvalidOperationException($"value '{value.Name}' already has a definition");
        }
        value.OwningGraph = this;
    }

    public override string ToString() => $"graph '{Name}' ({_nodes.Count} nodes)";
}

/// <summary>The graph's edges form a cycle, so it has no execution order.</summary>
public sealed class GraphCycleException(string message) : Exception(message);

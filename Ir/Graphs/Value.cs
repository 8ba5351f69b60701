namespace Onnxc.Ir;

/// <summary>
/// A value in SSA form: produced by exactly one node output, or a graph input, or an initializer. The IR keeps
/// <see cref="Uses"/> correct; code changes edges only through Node/Graph/Value methods.
/// </summary>
public sealed class Value
{
    private readonly List<Use> _uses = new();
    internal readonly List<Graph> OutputOf = new();

    public Value(string name, IrType? type = null)
    {
        Name = name;
        Type = type;
    }

    /// <summary>The name written to ONNX. The exporter makes names unique, so passes may reuse hints.</summary>
    public string Name { get; set; }

    public IrType? Type { get; set; }

    public string? DocString { get; set; }

    public List<KeyValuePair<string, string>> MetadataProps { get; } = new();

    /// <summary>The node that computes this value, or null for graph inputs and initializers.</summary>
    public Node? Producer { get; internal set; }

    /// <summary>Which output of <see cref="Producer"/> this is.</summary>
    public int OutputIndex { get; internal set; }

    /// <summary>The graph whose input or initializer list holds this value (null for node outputs).</summary>
    public Graph? OwningGraph { get; internal set; }

    /// <summary>The constant data when this value is an initializer.</summary>
    public Tensor? Initializer { get; internal set; }

    /// <summary>Sparse constant data when this value is a sparse initializer.</summary>
    public SparseTensor? SparseInitializer { get; internal set; }

    public IReadOnlyList<Use> Uses => _uses;

    public bool IsInitializer => Initializer is not null || SparseInitializer is not null;

    public bool IsGraphInput => OwningGraph is { } g && g.Inputs.Contains(this);

    public bool IsGraphOutput => OutputOf.Count > 0;

    /// <summary>The graph this value belongs to (the producer's graph, or the owning graph).</summary>
    public Graph? Graph => Producer?.Graph ?? OwningGraph;

    /// <summary>The tensor element type, when the type is a tensor.</summary>
    public DataType? ElementType => (Type as TensorType)?.ElementType;

    /// <summary>The tensor shape, when known.</summary>
    public Shape? Shape => (Type as TensorType)?.Shape;

    internal void AddUse(Node node, int index) => _uses.Add(new Use(node, index));

    internal void RemoveUse(Node node, int index)
    {
        int at = _uses.IndexOf(new Use(node, index));
        if (at < 0) throw new InvalidOperationException($"use list of '{Name}' lacks {node} input {index}");
        _uses.RemoveAt(at);
    }

    /// <summary>
    /// Makes every reader of this value read <paramref name="replacement"/> instead, graph outputs included.
    /// A graph output keeps its name: the replacement takes it over when it is a node output.
    /// </summary>
    public void ReplaceAllUsesWith(Value replacement)
    {
        if (ReferenceEquals(replacement, this)) return;
        foreach (var use in _uses.ToArray()) use.Node.ReplaceInput(use.InputIndex, replacement);
        foreach (var graph in OutputOf.ToArray()) graph.ReplaceOutputValue(this, replacement);
    }

    public override string ToString() => "%" + Name;
}

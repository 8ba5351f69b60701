namespace Onnxc.Ir;

/// <summary>An operator application. Inputs may be null (an omitted optional input, "" in ONNX).</summary>
public sealed class Node
{
    private readonly List<Value?> _inputs = new();
    private readonly List<Value> _outputs = new();
    private readonly List<Attribute> _attributes = new();

    /// <summary>Creates a detached node with fresh output values; add it to a graph with Graph.Append/InsertBefore.</summary>
    public Node(string opType, IEnumerable<Value?> inputs, IEnumerable<string> outputNames, string domain = "",
        IEnumerable<Attribute>? attributes = null, string? name = null)
    {
        OpType = opType;
        Domain = domain;
        Name = name;
        foreach (var input in inputs) AppendInput(input);
        foreach (var outputName in outputNames) AppendOutput(new Value(outputName));
        if (attributes is not null)
        {
            foreach (var attribute in attributes) SetAttribute(attribute);
        }
    }

    public string OpType { get; set; }

    /// <summary>Operator domain; "" is the default ONNX domain (ai.onnx).</summary>
    public string Domain { get; set; }

    /// <summary>ONNX function overload identifier (IR 10+), usually empty.</summary>
    public string Overload { get; set; } = "";

    public string? Name { get; set; }

    public string? DocString { get; set; }

    public List<KeyValuePair<string, string>> MetadataProps { get; } = new();

    /// <summary>The graph this node is in, or null while detached.</summary>
    public Graph? Graph { get; internal set; }

    internal LinkedListNode<Node>? ListNode { get; set; }

    public IReadOnlyList<Value?> Inputs => _inputs;

    public IReadOnlyList<Value> Outputs => _outputs;

    public IReadOnlyList<Attribute> Attributes => _attributes;

    /// <summary>Whether this node reads <paramref name="op"/> in the default or given domain.</summary>
    public bool Is(string op, string domain = "") => OpType == op && Domain == domain;

    public Value? Input(int index) => index < _inputs.Count ? _inputs[index] : null;

    public Value Output(int index = 0) => _outputs[index];

    public void ReplaceInput(int index, Value? value)
    {
        var old = _inputs[index];
        if (ReferenceEquals(old, value)) return;
        old?.RemoveUse(this, index);
        _inputs[index] = value;
        value?.AddUse(this, index);
    }

    public void AppendInput(Value? value)
    {
        _inputs.Add(value);
        value?.AddUse(this, _inputs.Count - 1);
    }

    /// <summary>Drops trailing inputs so that <paramref name="count"/> remain.</summary>
    public void TruncateInputs(int count)
    {
        for (int i = _inputs.Count - 1; i >= count; i--)
        {
            _inputs[i]?.RemoveUse(this, i);
            _inputs.RemoveAt(i);
        }
    }

    /// <summary>Disconnects all inputs; used when a node leaves the graph.</summary>
    public void ClearInputs() => TruncateInputs(0);

    public Value AppendOutput(Value value)
    {
        if (value.Producer is not null || value.OwningGraph is not null)
        {
            throw new InvalidOperationException($"value '{value.Name}' already has a definition");
        }
        value.Producer = this;
        value.OutputIndex = _outputs.Count;
        _outputs.Add(value);
        return value;
    }

    /// <summary>Drops trailing outputs nobody reads so that <paramref name="count"/> remain.</summary>
    public void TruncateOutputs(int count)
    {
        for (int i = _outputs.Count - 1; i >= count; i--)
        {
            var output = _outputs[i];
            if (output.Uses.Count > 0 || output.IsGraphOutput)
            {
                throw new InvalidOperationException($"output '{output.Name}' of {this} is still used");
            }
            output.Producer = null;
            _outputs.RemoveAt(i);
        }
    }

    public Attribute? GetAttribute(string name) => _attributes.Find(a => a.Name == name);

    public long GetInt(string name, long fallback) => GetAttribute(name)?.AsInt() ?? fallback;

    public float GetFloat(string name, float fallback) => GetAttribute(name)?.AsFloat() ?? fallback;

    public string GetString(string name, string fallback) => GetAttribute(name)?.AsString() ?? fallback;

    public long[]? GetInts(string name) => GetAttribute(name)?.AsInts();

    /// <summary>Adds or replaces an attribute; graph attributes become subgraphs of this node.</summary>
    public void SetAttribute(Attribute attribute)
    {
        int at = _attributes.FindIndex(a => a.Name == attribute.Name);
        if (at >= 0)
        {
            foreach (var old in _attributes[at].Subgraphs) old.ParentNode = null;
            _attributes[at] = attribute;
        }
        else
        {
            _attributes.Add(attribute);
        }
        foreach (var graph in attribute.Subgraphs) graph.ParentNode = this;
    }

    public bool RemoveAttribute(string name)
    {
        int at = _attributes.FindIndex(a => a.Name == name);
        if (at < 0) return false;
        foreach (var old in _attributes[at].Subgraphs) old.ParentNode = null;
        _attributes.RemoveAt(at);
        return true;
    }

    /// <summary>Subgraphs held in this node's attributes (If branches, Loop/Scan bodies).</summary>
    public IEnumerable<Graph> Subgraphs => _attributes.SelectMany(a => a.Subgraphs);

    public override string ToString()
    {
        var op = Domain.Length == 0 ? OpType : Domain + "::" + OpType;
        return Name is { Length: > 0 } ? $"{op} '{Name}'" : $"{op} -> {(_outputs.Count > 0 ? _outputs[0].ToString() : "()")}";
    }
}

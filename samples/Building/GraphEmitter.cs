using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>
/// Appends nodes to a graph with the naming and small-constant habits of torch.onnx.export: node names are
/// scope paths ("/h.0/attn/MatMul"), outputs are "&lt;node&gt;_output_0", and scalars are Constant nodes.
/// </summary>
public sealed class GraphEmitter
{
    private readonly List<string> _scopes = new();
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);

    public GraphEmitter(Graph graph, int opset, WeightFactory weights)
    {
        Graph = graph;
        Opset = opset;
        Weights = weights;
    }

    public Graph Graph { get; }

    /// <summary>The default-domain opset the nodes must be valid for.</summary>
    public int Opset { get; }

    public WeightFactory Weights { get; }

    /// <summary>Enters a naming scope (a module name such as "layer.0"); dispose to leave it.</summary>
    public IDisposable Scope(string name)
    {
        _scopes.Add(name);
        return new ScopeExit(this);
    }

    /// <summary>The current scope as a dotted parameter prefix ("encoder.layer.0.").</summary>
    public string ParameterPrefix => _scopes.Count == 0 ? "" : string.Join(".", _scopes) + ".";

    /// <summary>Appends a single-output node.</summary>
    public Value Op(string opType, IEnumerable<Value?> inputs, params Attribute[] attributes) =>
        OpMulti(opType, 1, inputs, attributes)[0];

    public Value Op(string opType, Value input, params Attribute[] attributes) => Op(opType, new[] { input }, attributes);

    public Value Op(string opType, Value a, Value b, params Attribute[] attributes) => Op(opType, new[] { a, b }, attributes);

    /// <summary>Appends a node with several outputs, named "&lt;node&gt;_output_i".</summary>
    public IReadOnlyList<Value> OpMulti(string opType, int outputCount, IEnumerable<Value?> inputs, params Attribute[] attributes)
    {
        var name = UniqueNodeName(opType);
        var outputs = Enumerable.Range(0, outputCount).Select(i => $"{name}_output_{i}");
        var node = new Node(opType, inputs, outputs, "", attributes, name);
        Graph.Append(node);
        return node.Outputs;
    }

    /// <summary>A scalar float Constant node (eps, √2, the attention scale).</summary>
    public Value Const(float value) => Constant(Tensor.Scalar(value));

    /// <summary>A scalar int64 Constant node (Gather indices, Range bounds).</summary>
    public Value ConstScalar(long value) => Constant(Tensor.Scalar(value));

    /// <summary>A 1-D int64 Constant node (Slice bounds, Unsqueeze axes, shape pieces).</summary>
    public Value ConstInts(params long[] values) => Constant(Tensor.Vector(values));

    public Value Constant(Tensor value) => Op("Constant", Array.Empty<Value>(), Attribute.FromTensor("value", value));

    /// <summary>Unsqueeze as the exporter writes it: axes as an input from opset 13, an attribute before.</summary>
    public Value Unsqueeze(Value x, params long[] axes) => Opset >= 13
        ? Op("Unsqueeze", x, ConstInts(axes))
        : Op("Unsqueeze", x, Attribute.Ints("axes", axes));

    /// <summary>Split into parts of the given sizes: sizes as an input from opset 13, the 'split' attribute before.</summary>
    public IReadOnlyList<Value> Split(Value x, long axis, params long[] sizes) => Opset >= 13
        ? OpMulti("Split", sizes.Length, new[] { x, ConstInts(sizes) }, Attribute.Int("axis", axis))
        : OpMulti("Split", sizes.Length, new[] { x }, Attribute.Int("axis", axis), Attribute.Ints("split", sizes));

    /// <summary>ReduceMean over the last axis with keepdims; axes move from attribute to input at opset 18.</summary>
    public Value ReduceMeanLastAxis(Value x) => Opset >= 18
        ? Op("ReduceMean", new[] { x, ConstInts(-1) }, Attribute.Int("keepdims", 1))
        : Op("ReduceMean", new[] { x }, Attribute.Ints("axes", -1), Attribute.Int("keepdims", 1));

    /// <summary>One dimension of <paramref name="x"/> as an int64 scalar: Shape → Gather(index), one Shape per use as traced.</summary>
    public Value Dim(Value x, long index) => Op("Gather", Op("Shape", x), ConstScalar(index), Attribute.Int("axis", 0));

    /// <summary>A 1-D shape tensor from run-time scalars and known sizes: each scalar Unsqueezed, known sizes as Constants, then Concat.</summary>
    public Value ShapeOf(params object[] parts)
    {
        var pieces = parts.Select(p => p switch
        {
            Value scalar => Unsqueeze(scalar, 0),
            long n => ConstInts(n),
            int n => ConstInts(n),
            _ => throw new ArgumentException($"shape piece {p} is neither a Value nor a size"),
        }).ToList();
        return Op("Concat", pieces, Attribute.Int("axis", 0));
    }

    private string UniqueNodeName(string opType)
    {
        var prefix = "/" + string.Join("/", _scopes.Append(opType));
        var name = prefix;
        for (int i = 1; !_nodeNames.Add(name); i++) name = $"{prefix}_{i}";
        return name;
    }

    private sealed class ScopeExit(GraphEmitter emitter) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            emitter._scopes.RemoveAt(emitter._scopes.Count - 1);
        }
    }
}

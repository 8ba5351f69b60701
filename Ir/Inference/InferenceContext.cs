namespace Onnxc.Ir.Inference;

/// <summary>
/// What an op rule sees of one node: its inputs' types, known constant inputs and the opset in force; the rule
/// reports output types through <see cref="SetOutput(int, IrType?)"/> and the driver merges them into the graph.
/// </summary>
public sealed class InferenceContext
{
    private readonly InferenceRun _run;
    private readonly IrType?[] _outputs;

    internal InferenceContext(InferenceRun run, Node node, long opset)
    {
        _run = run;
        Node = node;
        Opset = opset;
        _outputs = new IrType?[node.Outputs.Count];
    }

    public Node Node { get; }

    /// <summary>The version of the node's domain that the model imports.</summary>
    public long Opset { get; }

    public ConstantValues Constants => _run.Constants;

    internal IReadOnlyList<IrType?> Outputs => _outputs;

    public int InputCount => Node.Inputs.Count;

    public int OutputCount => Node.Outputs.Count;

    public bool HasInput(int index) => Node.Input(index) is not null;

    public IrType? InputType(int index) => Node.Input(index)?.Type;

    public TensorType? InputTensor(int index) => Node.Input(index)?.Type as TensorType;

    public DataType? InputElementType(int index) => InputTensor(index)?.ElementType is { } t && t != DataType.Undefined ? t : null;

    public Shape? InputShape(int index) => InputTensor(index)?.Shape;

    public int? InputRank(int index) => InputShape(index)?.Rank;

    /// <summary>Known contents of input <paramref name="index"/> as numbers, when all are known.</summary>
    public long[]? ConstantInts(int index) => Constants.TryGetInt64s(Node.Input(index));

    /// <summary>Known contents of a 1-D input as dims (symbolic where they come from Shape).</summary>
    public Dim[]? ConstantDims(int index) => Constants.TryGetDims(Node.Input(index));

    /// <summary>Axes from input <paramref name="inputIndex"/> when present (newer opsets), else from the attribute.</summary>
    public long[]? IntsFromInputOrAttribute(int inputIndex, string attribute, out bool known)
    {
        known = true;
        if (HasInput(inputIndex))
        {
            var values = ConstantInts(inputIndex);
            known = values is not null;
            return values;
        }
        return Node.GetInts(attribute);
    }

    public void SetOutput(int index, IrType? type)
    {
        if (index < _outputs.Length) _outputs[index] = type;
    }

    /// <summary>Sets a tensor output; does nothing when the element type is not known.</summary>
    public void SetOutput(int index, DataType? elementType, Shape? shape)
    {
        if (elementType is { } t) SetOutput(index, new TensorType(t, shape));
    }

    /// <summary>Output <paramref name="index"/> gets input <paramref name="from"/>'s element type with the given shape.</summary>
    public void SetOutputLike(int index, int from, Shape? shape) => SetOutput(index, InputElementType(from), shape);

    /// <summary>Types a subgraph's nodes (after the rule has typed its formal inputs) with the same run.</summary>
    public void InferSubgraph(Graph graph) => _run.InferGraph(graph);

    /// <summary>Gives a subgraph formal input a type, merged with what it already declares.</summary>
    public void SetFormalInput(Value input, IrType? type) => _run.Assign(input, type, Node);

    /// <summary>Stops the rule: the node's inputs contradict the operator's contract.</summary>
    public static ShapeInferenceException Fail(string message) => new(message);
}

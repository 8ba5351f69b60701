namespace Onnxc.Ir;

/// <summary>Kinds of attribute values; numbers are ONNX's AttributeProto.AttributeType.</summary>
public enum AttributeKind
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    Floats = 6,
    Ints = 7,
    Strings = 8,
    Tensors = 9,
    Graphs = 10,
    SparseTensor = 11,
    SparseTensors = 12,
    TypeProto = 13,
    TypeProtos = 14,
}

/// <summary>
/// A named node attribute. The value's CLR type follows <see cref="Kind"/>: float, long, string, Tensor,
/// Graph, float[], long[], string[], Tensor[], Graph[], SparseTensor(s), IrType(s). In a function body an
/// attribute may instead refer to an attribute of the calling node (<see cref="RefAttributeName"/>).
/// </summary>
public sealed record Attribute(string Name, AttributeKind Kind, object? Value)
{
    public string? RefAttributeName { get; init; }

    public string? DocString { get; init; }

    public float AsFloat() => Kind == AttributeKind.Float ? (float)Value! : throw WrongKind(AttributeKind.Float);

    public long AsInt() => Kind == AttributeKind.Int ? (long)Value! : throw WrongKind(AttributeKind.Int);

    public string AsString() => Kind == AttributeKind.String ? (string)Value! : throw WrongKind(AttributeKind.String);

    public Tensor AsTensor() => Kind == AttributeKind.Tensor ? (Tensor)Value! : throw WrongKind(AttributeKind.Tensor);

    public Graph AsGraph() => Kind == AttributeKind.Graph ? (Graph)Value! : throw WrongKind(AttributeKind.Graph);

    public float[] AsFloats() => Kind == AttributeKind.Floats ? (float[])Value! : throw WrongKind(AttributeKind.Floats);

    public long[] AsInts() => Kind == AttributeKind.Ints ? (long[])Value! : throw WrongKind(AttributeKind.Ints);

    public string[] AsStrings() => Kind == AttributeKind.Strings ? (string[])Value! : throw WrongKind(AttributeKind.Strings);

    public Graph[] AsGraphs() => Kind == AttributeKind.Graphs ? (Graph[])Value! : throw WrongKind(AttributeKind.Graphs);

    /// <summary>Graphs held by this attribute (subgraph bodies), empty for other kinds.</summary>
    public IEnumerable<Graph> Subgraphs => Value switch
    {
        Graph g => new[] { g },
        Graph[] gs => gs,
        _ => Array.Empty<Graph>(),
    };

    public static Attribute Float(string name, float value) => new(name, AttributeKind.Float, value);

    public static Attribute Int(string name, long value) => new(name, AttributeKind.Int, value);

    public static Attribute String(string name, string value) => new(name, AttributeKind.String, value);

    public static Attribute FromTensor(string name, Tensor value) => new(name, AttributeKind.Tensor, value);

    public static Attribute FromGraph(string name, Graph value) => new(name, AttributeKind.Graph, value);

    public static Attribute Floats(string name, params float[] values) => new(name, AttributeKind.Floats, values);

    public static Attribute Ints(string name, params long[] values) => new(name, AttributeKind.Ints, values);

    public static Attribute Strings(string name, params string[] values) => new(name, AttributeKind.Strings, values);

    /// <summary>Structural equality of values (arrays and tensors by content); graphs compare by identity.</summary>
    public bool ValueEquals(Attribute other)
    {
        if (Name != other.Name || Kind != other.Kind || RefAttributeName != other.RefAttributeName) return false;
        return (Value, other.Value) switch
        {
            (float[] a, float[] b) => a.AsSpan().SequenceEqual(b),
            (long[] a, long[] b) => a.AsSpan().SequenceEqual(b),
            (string[] a, string[] b) => a.SequenceEqual(b),
            (Tensor a, Tensor b) => a.ContentEquals(b),
            (Tensor[] a, Tensor[] b) => a.Length == b.Length && a.Zip(b).All(p => p.First.ContentEquals(p.Second)),
            (Graph[] a, Graph[] b) => a.SequenceEqual(b),
            (IrType[] a, IrType[] b) => a.SequenceEqual(b),
            (SparseTensor[] a, SparseTensor[] b) => a.SequenceEqual(b),
            (var a, var b) => Equals(a, b),
        };
    }

    private InvalidOperationException WrongKind(AttributeKind wanted) =>
        new($"attribute '{Name}' is {Kind}, not {wanted}");
}

using Onnxc.Ir;
using Onnxc.Ir.Inference;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// Proofs about shapes that attention matching needs: that a Reshape target computed at run time
/// (Shape → Gather → Unsqueeze → Concat) equals the expected dims. Relies on types from shape inference, which
/// the attention passes run as a scratch analysis before matching.
/// </summary>
public sealed class ShapeFacts
{
    private readonly ConstantValues _constants = new();

    public ShapeFacts(long opset) => Opset = opset;

    /// <summary>The model's default-domain opset (Softmax's default axis changed at 13).</summary>
    public long Opset { get; }

    /// <summary>Whether two dims are provably equal: the same number, or the same (named) symbol.</summary>
    public static bool SameDim(Dim? a, Dim? b) =>
        a is not null && b is not null && (a.IsStatic ? b.IsStatic && a.Value == b.Value : a.Symbol is not null && a.Symbol == b.Symbol);

    /// <summary>The dims of a value as inferred, or null when its rank is unknown.</summary>
    public static Shape? ShapeOf(Value value) => value.Shape;

    /// <summary>The elements of a small integer tensor (a shape, slice bounds), possibly symbolic.</summary>
    public Dim[]? Elements(Value? value) => _constants.TryGetDims(value);

    /// <summary>
    /// Checks that Reshape(<paramref name="input"/>, <paramref name="target"/>) produces exactly
    /// <paramref name="expected"/>; returns the reason when that cannot be proven.
    /// </summary>
    public string? CheckReshape(Node reshape, IReadOnlyList<Dim> expected, IReadOnlyList<Value>? owners = null)
    {
        if (reshape.GetInt("allowzero", 0) != 0) return "Reshape uses allowzero=1";
        var input = reshape.Input(0)!;
        if (Elements(reshape.Input(1)) is not { } target) return "Reshape shape is not computable at compile time";
        if (target.Length != expected.Count) return $"Reshape target has rank {target.Length}, expected {expected.Count}";
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            var element = target[i];
            if (element is { IsStatic: true, Value: 0 })
            {
                // allowzero=0: a 0 copies the input's dim at the same index.
                if (!SameDim(input.Shape is { } s && i < s.Rank ? s[i] : null, expected[i])) return $"Reshape copies dim {i} of its input, which is not provably {expected[i]}";
                continue;
            }
            if (element is { IsStatic: true, Value: -1 })
            {
                inferred = i;
                continue;
            }
            if (!SameDim(element, expected[i]) && !IsDimOf(reshape.Input(1)!, i, owners, i))
                return $"Reshape dim {i} is {element}, not provably {expected[i]}";
        }
        // A single -1 takes whatever the element count leaves, which is the expected dim when the input provably
        // holds as many elements as the expected shape.
        if (inferred >= 0 && !(input.Shape is { } inShape && ElementCountMatches(inShape, expected)))
            return "Reshape has -1 and the element count of its input cannot be proven";
        return null;
    }

    /// <summary>
    /// Whether element <paramref name="index"/> of a run-time shape tensor is read from dim <paramref name="axis"/> of
    /// one of <paramref name="owners"/> (Concat of Unsqueeze(Gather(Shape(owner), axis)) pieces, Casts allowed):
    /// the structural proof for dims that inference leaves unnamed.
    /// </summary>
    public bool IsDimOf(Value shapeTensor, int index, IReadOnlyList<Value>? owners, int axis) =>
        Piece(shapeTensor, index) is { } piece && IsScalarDimOf(piece, owners, axis);

    /// <summary>
    /// The scalar that element <paramref name="index"/> of a run-time shape tensor comes from: the Concat piece
    /// holding it, with Unsqueeze/Cast/Squeeze wrappers removed; null when that cannot be traced.
    /// </summary>
    public Value? Piece(Value shapeTensor, int index)
    {
        Value? piece = shapeTensor;
        if (shapeTensor.Producer is { OpType: "Concat" } concat)
        {
            piece = null;
            int offset = 0;
            foreach (var input in concat.Inputs)
            {
                int length = input is null ? 0 : Elements(input)?.Length ?? (input.Producer is { OpType: "Unsqueeze" } ? 1
                    : input.Shape is { Rank: 1 } vector && vector[0].IsStatic ? (int)vector[0].Value!.Value : -1);
                if (length < 0) return null;
                if (index < offset + length)
                {
                    if (length != 1) return null;
                    piece = input;
                    break;
                }
                offset += length;
            }
        }
        else if (index != 0) return null;
        while (piece?.Producer is { OpType: "Unsqueeze" or "Cast" or "Squeeze" } wrapper) piece = wrapper.Input(0);
        return piece;
    }

    /// <summary>
    /// Whether a scalar is Gather(Shape(owner), axis) for one of <paramref name="owners"/>; a negative Gather index
    /// counts from the end of the owner's rank (torch writes size(-2) that way).
    /// </summary>
    public bool IsScalarDimOf(Value scalar, IReadOnlyList<Value>? owners, int axis)
    {
        if (owners is null || owners.Count == 0) return false;
        double at;
        Value? shapeValue;
        if (scalar.Producer is { OpType: "Gather" } gather && gather.GetInt("axis", 0) == 0 && Patterns.ScalarConstant(gather.Input(1)) is { } index)
            (at, shapeValue) = (index, gather.Input(0));
        else if (scalar.Producer is { OpType: "Slice" } slice && HeadTensor.SliceBounds(slice, this) is ([0], [var start], [var end], null or [1])
                 && (end == start + 1 || start == -1 && end >= long.MaxValue / 2))
            (at, shapeValue) = (start, slice.Input(0)); // Paddle2ONNX: Slice(Shape, [a, a + 1)) as a 1-element vector
        else return false;
        // Shape may be cast (Paddle2ONNX casts it to int32 and back); the dims are the same.
        while (shapeValue?.Producer is { OpType: "Cast" } cast) shapeValue = cast.Input(0);
        if (shapeValue?.Producer is not { OpType: "Shape" } shape || shape.GetInt("start", 0) != 0) return false;
        var owner = owners.FirstOrDefault(o => ReferenceEquals(o, shape.Input(0)));
        if (owner is null) return false;
        if (at < 0 && (shape.GetAttribute("end") is not null || owner.Shape is not { } ownerShape)) return false;
        if (at < 0) at += owner.Shape!.Rank;
        return at == axis;
    }

    /// <summary>Whether two shapes provably hold the same number of elements (static product and matching symbols).</summary>
    public static bool ElementCountMatches(IReadOnlyList<Dim> a, IReadOnlyList<Dim> b)
    {
        static (long Product, List<string> Symbols)? Split(IReadOnlyList<Dim> dims)
        {
            long product = 1;
            var symbols = new List<string>();
            foreach (var d in dims)
            {
                if (d.IsStatic) product *= d.Value!.Value;
                else if (d.Symbol is { } s) symbols.Add(s);
                else return null;
            }
            symbols.Sort(StringComparer.Ordinal);
            return (product, symbols);
        }
        return Split(a) is { } x && Split(b) is { } y && x.Product == y.Product && x.Symbols.SequenceEqual(y.Symbols);
    }
}

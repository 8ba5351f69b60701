namespace Onnxc.Ir.Inference;

/// <summary>
/// The contents of a small integer tensor as far as they are known: each element is a static number, a symbol
/// (a dim read by Shape) or unknown. Elements are in row-major order.
/// </summary>
public sealed class KnownTensor
{
    public KnownTensor(DataType elementType, long[] dims, Dim[] elements)
    {
        long count = dims.Aggregate(1L, (acc, d) => acc * d);
        if (count != elements.Length) throw new ArgumentException($"{elements.Length} elements do not fill [{string.Join(",", dims)}]");
        ElementType = elementType;
        Dims = dims;
        Elements = elements;
    }

    public DataType ElementType { get; }

    public long[] Dims { get; }

    public Dim[] Elements { get; }

    public int Rank => Dims.Length;

    /// <summary>Whether every element is a known number.</summary>
    public bool IsFullyKnown => Elements.All(e => e.IsStatic);

    /// <summary>The numbers when every element is known; otherwise null.</summary>
    public long[]? Values => IsFullyKnown ? Elements.Select(e => e.Value!.Value).ToArray() : null;

    public static KnownTensor Vector(DataType elementType, IReadOnlyList<Dim> elements) => new(elementType, new long[] { elements.Count }, elements.ToArray());

    public static KnownTensor Scalar(DataType elementType, Dim element) => new(elementType, Array.Empty<long>(), new[] { element });

    public override string ToString() => $"{ElementType.ShortName()}[{string.Join(",", Dims)}]{{{string.Join(",", Elements.Select(e => e.ToString()))}}}";
}

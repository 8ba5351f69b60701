namespace Onnxc.Ir.Inference;

/// <summary>Arithmetic on dims that may be static, symbolic or unknown, following ONNX's inference rules.</summary>
public static class DimMath
{
    /// <summary>
    /// Numpy broadcasting of two dims: 1 yields the other; a static n &gt; 1 wins over symbols and unknowns (they
    /// must be 1 or n); equal dims stay; two different symbols, or a symbol against unknown, give unknown.
    /// Returns null when both are static, different and neither is 1.
    /// </summary>
    public static Dim? Broadcast(Dim a, Dim b)
    {
        if (a.Value == 1) return b;
        if (b.Value == 1) return a;
        if (a.IsStatic && b.IsStatic) return a.Value == b.Value ? a : null;
        if (a.IsStatic) return a;
        if (b.IsStatic) return b;
        if (a.Symbol is not null && a.Symbol == b.Symbol) return a;
        return Dim.Unknown;
    }

    /// <summary>Multidirectional broadcasting of shapes (right-aligned); throws when static dims clash.</summary>
    public static Shape Broadcast(IReadOnlyList<Shape> shapes)
    {
        int rank = shapes.Max(s => s.Rank);
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            Dim result = 1;
            foreach (var shape in shapes)
            {
                int at = i - (rank - shape.Rank);
                if (at < 0) continue;
                result = Broadcast(result, shape[at])
                    ?? throw new ShapeInferenceException($"cannot broadcast {string.Join(" with ", shapes)}: dim {result} vs {shape[at]}");
            }
            dims[i] = result;
        }
        return new Shape(dims);
    }

    /// <summary>Whether two dims can describe the same size (false only for different static sizes).</summary>
    public static bool Compatible(Dim a, Dim b) => !(a.IsStatic && b.IsStatic && a.Value != b.Value);

    /// <summary>The more informative of two dims assumed equal: static beats symbolic beats unknown.</summary>
    public static Dim Unify(Dim a, Dim b) => a.IsStatic ? a : b.IsStatic ? b : a.Symbol is not null ? a : b;

    /// <summary>Product of dims: static when all are static; the dim itself when the others are all 1.</summary>
    public static Dim Product(IEnumerable<Dim> dims)
    {
        long product = 1;
        Dim? single = null;
        int nonStatic = 0;
        foreach (var d in dims)
        {
            if (d.IsStatic) product *= d.Value!.Value;
            else
            {
                nonStatic++;
                single = d;
            }
        }
        if (nonStatic == 0) return product;
        if (product == 0) return 0;
        return nonStatic == 1 && product == 1 ? single! : Dim.Unknown;
    }

    /// <summary>
    /// a + b. Two symbols add to the symbol of their sum, its terms sorted ("past_sequence + sequence", the name
    /// exporters give a concatenated axis), so a later Sub or Range can take a term off again.
    /// </summary>
    public static Dim Add(Dim a, Dim b)
    {
        if (a.IsStatic && b.IsStatic) return a.Value!.Value + b.Value!.Value;
        if (a.Value == 0) return b;
        if (b.Value == 0) return a;
        return a.Symbol is not null && b.Symbol is not null ? Sum(Terms(a).Concat(Terms(b))) : Dim.Unknown;
    }

    /// <summary>a − b: static, a − 0, x − x = 0, or a sum of symbols less some of its terms ((P + S) − P = S).</summary>
    public static Dim Subtract(Dim a, Dim b)
    {
        if (a.IsStatic && b.IsStatic) return checked(a.Value!.Value - b.Value!.Value);
        if (b.Value == 0) return a;
        if (a.Symbol is null || b.Symbol is null) return Dim.Unknown;
        if (a.Symbol == b.Symbol) return 0;
        var remaining = Terms(a).ToList();
        foreach (var term in Terms(b))
        {
            if (!remaining.Remove(term)) return Dim.Unknown;
        }
        return Sum(remaining);
    }

    private const string Plus = " + ";

    private static IEnumerable<string> Terms(Dim symbolic) => symbolic.Symbol!.Split(Plus);

    private static Dim Sum(IEnumerable<string> terms) => Dim.Named(string.Join(Plus, terms.OrderBy(t => t, StringComparer.Ordinal)));

    public static Dim Multiply(Dim a, Dim b) =>
        a.IsStatic && b.IsStatic ? a.Value!.Value * b.Value!.Value : a.Value == 1 ? b : b.Value == 1 ? a : Dim.Unknown;

    /// <summary>A dim split evenly into <paramref name="parts"/> (unknown unless static or parts is 1).</summary>
    public static Dim Divide(Dim a, long parts) => parts == 1 ? a : a.IsStatic ? a.Value!.Value / parts : Dim.Unknown;

    /// <summary>Normalizes a possibly negative axis against <paramref name="rank"/>; throws when out of range.</summary>
    public static int Axis(long axis, int rank, string what = "axis")
    {
        long normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank) throw new ShapeInferenceException($"{what} {axis} is out of range for rank {rank}");
        return (int)normalized;
    }

    /// <summary>A shape of <paramref name="rank"/> unknown dims.</summary>
    public static Shape UnknownShape(int rank) => new(Enumerable.Repeat(Dim.Unknown, rank));
}

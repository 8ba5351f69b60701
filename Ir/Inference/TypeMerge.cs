namespace Onnxc.Ir.Inference;

/// <summary>
/// Combines a value's existing (declared) type with an inferred one without losing information: each dim keeps
/// the more specific of the two; a clash (element types or static sizes differ) keeps the declared type and
/// reports why.
/// </summary>
public static class TypeMerge
{
    /// <summary>The merged type; <paramref name="conflict"/> says what clashed (then the declared type is returned).</summary>
    public static IrType? Merge(IrType? declared, IrType? inferred, out string? conflict)
    {
        conflict = null;
        if (inferred is null) return declared;
        if (declared is null) return inferred;
        switch (declared, inferred)
        {
            case (TensorType d, TensorType i):
                {
                    var element = d.ElementType;
                    if (element == DataType.Undefined) element = i.ElementType;
                    else if (i.ElementType != DataType.Undefined && i.ElementType != element)
                    {
                        conflict = $"declared element type {d.ElementType.ShortName()} but inferred {i.ElementType.ShortName()}";
                        return declared;
                    }
                    var shape = MergeShapes(d.Shape, i.Shape, out conflict);
                    if (conflict is not null) return declared;
                    return new TensorType(element, shape) { Denotation = d.Denotation };
                }
            case (SequenceType d, SequenceType i):
                {
                    var element = Merge(d.ElementType, i.ElementType, out conflict);
                    return conflict is null ? d with { ElementType = element } : declared;
                }
            case (OptionalType d, OptionalType i):
                {
                    var element = Merge(d.ElementType, i.ElementType, out conflict);
                    return conflict is null ? d with { ElementType = element } : declared;
                }
            default:
                if (declared.GetType() != inferred.GetType()) conflict = $"declared {declared} but inferred {inferred}";
                return declared;
        }
    }

    /// <summary>Per-dim merge of two shapes; null shape means rank unknown.</summary>
    public static Shape? MergeShapes(Shape? declared, Shape? inferred, out string? conflict)
    {
        conflict = null;
        if (declared is null) return inferred;
        if (inferred is null) return declared;
        if (declared.Rank != inferred.Rank)
        {
            conflict = $"declared shape {declared} has rank {declared.Rank} but inferred {inferred} has rank {inferred.Rank}";
            return declared;
        }
        var dims = new Dim[declared.Rank];
        for (int k = 0; k < dims.Length; k++)
        {
            Dim d = declared[k], i = inferred[k];
            if (!DimMath.Compatible(d, i))
            {
                conflict = $"declared shape {declared} but inferred {inferred} (dim {k})";
                return declared;
            }
            // Declared symbols win over inferred ones: they are the names the model's users see.
            dims[k] = d.IsStatic || (d.Symbol is not null && !i.IsStatic) ? d : i.IsStatic || i.Symbol is not null ? i : d;
        }
        return new Shape(dims);
    }

    /// <summary>
    /// The common type of values that may each flow to one place (If branches, loop iterations): dims that agree
    /// stay, the others become unknown; different ranks drop the shape.
    /// </summary>
    public static IrType? Join(IrType? a, IrType? b)
    {
        if (a is null || b is null) return null;
        if (a is TensorType ta && b is TensorType tb)
        {
            if (ta.ElementType != tb.ElementType) return null;
            if (ta.Shape is null || tb.Shape is null || ta.Shape.Rank != tb.Shape.Rank) return new TensorType(ta.ElementType, null);
            return new TensorType(ta.ElementType, new Shape(ta.Shape.Zip(tb.Shape, (x, y) => x == y ? x : Dim.Unknown)));
        }
        if (a is SequenceType sa && b is SequenceType sb) return new SequenceType(Join(sa.ElementType, sb.ElementType));
        if (a is OptionalType oa && b is OptionalType ob) return new OptionalType(Join(oa.ElementType, ob.ElementType));
        return a == b ? a : null;
    }

    /// <summary>Whether <paramref name="after"/> says more than <paramref name="before"/> (used to count refinements).</summary>
    public static bool IsMoreSpecific(IrType? before, IrType? after) => before != after && Score(after) > Score(before);

    private static int Score(IrType? type) => type switch
    {
        null => 0,
        TensorType t => 1 + (t.ElementType != DataType.Undefined ? 1 : 0) + (t.Shape is null ? 0 : 1 + t.Shape.Sum(d => d.IsStatic ? 2 : d.Symbol is not null ? 1 : 0)),
        SequenceType s => 1 + Score(s.ElementType),
        OptionalType o => 1 + Score(o.ElementType),
        _ => 1,
    };
}

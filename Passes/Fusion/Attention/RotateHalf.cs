using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// rotate_half(x) = Concat(Neg(x[..., h:]), x[..., :h]) on the last axis, as HF Llama's exporter writes it
/// (two Slices with constant bounds, step 1). <see cref="HeadSize"/> is 2·h.
/// </summary>
public sealed record RotateHalf(Value Input, long HeadSize, long SecondEnd, IReadOnlyList<Node> Nodes)
{
    /// <summary>Matches rotate_half at <paramref name="concat"/>, or returns why it is not one.</summary>
    public static Match<RotateHalf> Find(Node concat, ShapeFacts facts)
    {
        if (concat.Inputs.Count != 2) return Match<RotateHalf>.Miss("rotate_half Concat does not have two inputs");
        if (Patterns.Producer(concat.Input(0), "Neg") is not { } neg) return Match<RotateHalf>.Miss("rotate_half Concat does not start with Neg");
        if (Patterns.Producer(neg.Input(0), "Slice") is not { } upper || Patterns.Producer(concat.Input(1), "Slice") is not { } lower)
            return Match<RotateHalf>.Miss("rotate_half halves are not Slices");
        var x = lower.Input(0)!;
        if (!ReferenceEquals(upper.Input(0), x)) return Match<RotateHalf>.Miss("rotate_half slices two different tensors");
        if (x.Shape is not { Rank: var rank } || rank < 1) return Match<RotateHalf>.Miss("rotate_half input rank is unknown");
        long axis = concat.GetInt("axis", 0);
        if (axis != -1 && axis != rank - 1) return Match<RotateHalf>.Miss($"rotate_half Concat is on axis {axis}, not the last");
        if (LastAxisBounds(lower, rank, facts) is not ({ } lowStart, { } lowEnd) || LastAxisBounds(upper, rank, facts) is not ({ } highStart, { } highEnd))
            return Match<RotateHalf>.Miss("rotate_half Slices are not constant, step-1 cuts of the last axis");
        if (lowStart != 0 || lowEnd <= 0 || highStart != lowEnd) return Match<RotateHalf>.Miss($"rotate_half cuts [{lowStart}, {lowEnd}) and [{highStart}, {highEnd}), not [0, h) and [h, end)");
        if (!Patterns.HasSingleUse(neg.Output(0)) || !Patterns.HasSingleUse(upper.Output(0)) || !Patterns.HasSingleUse(lower.Output(0)))
            return Match<RotateHalf>.Miss("rotate_half pieces have other readers");
        return new RotateHalf(x, 2 * lowEnd, highEnd, new[] { concat, neg, upper, lower });
    }

    /// <summary>A Slice's (start, end) when it cuts only the last axis with step 1 and constant bounds.</summary>
    private static (long? Start, long? End) LastAxisBounds(Node slice, int rank, ShapeFacts facts)
    {
        long[]? starts, ends, axes, steps = null;
        if (slice.Inputs.Count > 1)
        {
            starts = Longs(slice.Input(1), facts);
            ends = Longs(slice.Input(2), facts);
            axes = slice.Input(3) is { } a ? Longs(a, facts) : new long[] { 0 };
            if (slice.Input(4) is { } s && (steps = Longs(s, facts)) is null) return (null, null);
        }
        else (starts, ends, axes) = (slice.GetInts("starts"), slice.GetInts("ends"), slice.GetInts("axes") ?? new long[] { 0 });
        if (starts is not [var start] || ends is not [var end] || axes is not [var axis]) return (null, null);
        if (axis != -1 && axis != rank - 1) return (null, null);
        if (steps is not null && steps is not [1]) return (null, null);
        return (start, end);
    }

    private static long[]? Longs(Value? value, ShapeFacts facts) =>
        facts.Elements(value) is { } dims && dims.All(d => d.IsStatic) ? dims.Select(d => d.Value!.Value).ToArray() : null;
}

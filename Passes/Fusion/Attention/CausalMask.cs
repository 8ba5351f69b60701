using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// GPT-2's causal mask: Where(cond, fill, scores) with cond = [Cast(bool)] Equal(Slice…(tril buffer)[:S, :S], 0)
/// and fill -inf (or a huge negative number). Proven causal only when the buffer is lower-triangular ones and the
/// slices take [0:S) on both of its last two axes, S being the attention's sequence length.
/// </summary>
public static class CausalMask
{
    /// <summary>The most a fill may be and still zero the masked probabilities exactly after exp in float32.</summary>
    public const double LargestFill = -1e4;

    /// <summary>The scores operand of a causal Where (the non-fill branch), or null.</summary>
    public static Value? Scores(Node where) => where.Input(2);

    /// <summary>Matches the mask feeding <paramref name="where"/>, with the nodes to remove.</summary>
    public static Match<ScoreMask> Find(Node where, ShapeFacts facts)
    {
        var nodes = new List<Node> { where };
        Value cond = where.Input(0)!;
        if (Patterns.Producer(cond, "Cast") is { } cast)
        {
            if (cast.GetInt("to", 0) != (long)DataType.Bool) return Match<ScoreMask>.Miss("causal mask Cast is not to bool");
            nodes.Add(cast);
            cond = cast.Input(0)!;
        }
        if (Patterns.Producer(cond, "Equal") is not { } equal) return Match<ScoreMask>.Miss("Where condition is not Equal(mask, 0)");
        nodes.Add(equal);
        Value? sliced = Patterns.IsScalarConstant(equal.Input(1), 0) ? equal.Input(0) : Patterns.IsScalarConstant(equal.Input(0), 0) ? equal.Input(1) : null;
        if (sliced is null) return Match<ScoreMask>.Miss("Where condition compares the mask with something other than 0");
        if (Patterns.ScalarConstant(where.Input(1)) is not { } fill || !(fill <= LargestFill)) return Match<ScoreMask>.Miss("causal fill value is not -inf or at most -1e4");
        var slices = new List<Node>();
        Value buffer = sliced;
        while (Patterns.Producer(buffer, "Slice") is { } slice)
        {
            slices.Add(slice);
            buffer = slice.Input(0)!;
        }
        while (Patterns.Producer(buffer, "Identity") is { } identity) buffer = identity.Input(0)!;
        if (Patterns.ConstantTensor(buffer) is not { } tensor) return Match<ScoreMask>.Miss("causal mask buffer is not a constant");
        if (!IsLowerTriangularOnes(tensor)) return Match<ScoreMask>.Miss("mask buffer is not lower-triangular");
        nodes.AddRange(slices);
        return new ScoreMask.Causal(nodes);
    }

    /// <summary>Checks that the slices take exactly [0, S) of the buffer's last two axes with step 1.</summary>
    public static string? CheckSequence(ScoreMask.Causal causal, Dim sequence, IReadOnlyList<Value> owners, ShapeFacts facts)
    {
        var sliced = new HashSet<long>();
        foreach (var slice in causal.Nodes.Where(n => n.OpType == "Slice"))
        {
            if (slice.Inputs.Count < 4 || facts.Elements(slice.Input(1)) is not { } starts || facts.Elements(slice.Input(2)) is not { } ends
                || facts.Elements(slice.Input(3)) is not { } axes) return "causal mask Slice bounds are not computable";
            var steps = slice.Input(4) is { } st ? facts.Elements(st) : null;
            for (int i = 0; i < axes.Length; i++)
            {
                if (!axes[i].IsStatic || i >= starts.Length || i >= ends.Length) return "causal mask Slice axes are not constant";
                long axis = axes[i].Value!.Value;
                axis = axis < 0 ? axis + 4 : axis;
                if (axis != 2 && axis != 3) return $"causal mask Slice cuts axis {axis}";
                if (starts[i] is not { IsStatic: true, Value: 0 }) return "causal mask Slice does not start at 0";
                if (steps is not null && (i >= steps.Length || steps[i] is not { IsStatic: true, Value: 1 })) return "causal mask Slice step is not 1";
                if (!ShapeFacts.SameDim(ends[i], sequence) && !facts.IsDimOf(slice.Input(2)!, i, owners, 1)) return $"causal mask Slice ends at {ends[i]}, not the sequence length {sequence}";
                if (!sliced.Add(axis)) return "causal mask Slice cuts an axis twice";
            }
        }
        return sliced.Count == 2 ? null : "causal mask slices do not take [:S, :S] of the buffer";
    }

    /// <summary>Whether a [1, 1, N, M] tensor holds 1 where column ≤ row and 0 elsewhere.</summary>
    public static bool IsLowerTriangularOnes(Tensor tensor)
    {
        if (tensor.Rank != 4 || tensor.Dims[0] != 1 || tensor.Dims[1] != 1) return false;
        long rows = tensor.Dims[2], cols = tensor.Dims[3];
        double At(long i) => tensor.ElementType switch
        {
            DataType.Float => tensor.AsSpan<float>()[(int)i],
            DataType.Double => tensor.AsSpan<double>()[(int)i],
            DataType.Bool or DataType.UInt8 => tensor.AsSpan<byte>()[(int)i],
            DataType.Int64 => tensor.AsSpan<long>()[(int)i],
            DataType.Int32 => tensor.AsSpan<int>()[(int)i],
            _ => double.NaN,
        };
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                if (At(r * cols + c) != (c <= r ? 1.0 : 0.0)) return false;
        return true;
    }
}

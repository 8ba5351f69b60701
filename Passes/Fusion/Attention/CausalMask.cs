using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// GPT-2's causal mask, in the two forms exporters write: nanoGPT's Where(cond, fill, scores) with
/// cond = [Cast(bool)] Equal(Slice…(tril buffer)[:S, :S], 0), and HuggingFace's Where([Cast(bool)] Slice…(tril
/// buffer)[P:P+S, :P+S], scores, fill), where P + S is the key length (P the cached past). The fill is -inf or a huge
/// negative number. Proven causal only when the buffer is lower-triangular ones and the slices take exactly those
/// rows and columns.
/// </summary>
public static class CausalMask
{
    /// <summary>The most a fill may be and still zero the masked probabilities exactly after exp in float32.</summary>
    public const double LargestFill = -1e4;

    /// <summary>Matches the mask feeding <paramref name="where"/>, with the nodes to remove.</summary>
    public static Match<ScoreMask.Causal> Find(Node where, ShapeFacts facts)
    {
        var nodes = new List<Node> { where };
        Value? sliced;
        Value scores;
        double? fill;
        if (Patterns.ScalarConstant(where.Input(1)) is { } nanoFill)
        {
            // nanoGPT: masked_fill(bias == 0, fill) keeps scores where the buffer is nonzero.
            (fill, scores) = (nanoFill, where.Input(2)!);
            var cond = StripBoolCast(where.Input(0)!, nodes, out var castReason);
            if (castReason is not null) return Match<ScoreMask.Causal>.Miss(castReason);
            if (Patterns.Producer(cond, "Equal") is not { } equal) return Match<ScoreMask.Causal>.Miss("Where condition is not Equal(mask, 0)");
            nodes.Add(equal);
            sliced = Patterns.IsScalarConstant(equal.Input(1), 0) ? equal.Input(0) : Patterns.IsScalarConstant(equal.Input(0), 0) ? equal.Input(1) : null;
            if (sliced is null) return Match<ScoreMask.Causal>.Miss("Where condition compares the mask with something other than 0");
        }
        else if (Patterns.ScalarConstant(where.Input(2)) is { } hfFill)
        {
            // HuggingFace: where(causal_mask, scores, finfo.min) keeps scores where the (bool) buffer is true.
            (fill, scores) = (hfFill, where.Input(1)!);
            sliced = StripBoolCast(where.Input(0)!, nodes, out var castReason);
            if (castReason is not null) return Match<ScoreMask.Causal>.Miss(castReason);
        }
        else return Match<ScoreMask.Causal>.Miss("causal fill value is not -inf or at most -1e4");
        if (!(fill <= LargestFill)) return Match<ScoreMask.Causal>.Miss("causal fill value is not -inf or at most -1e4");
        var slices = new List<Node>();
        Value buffer = sliced;
        while (Patterns.Producer(buffer, "Slice") is { } slice)
        {
            slices.Add(slice);
            buffer = slice.Input(0)!;
        }
        while (Patterns.Producer(buffer, "Identity") is { } identity) buffer = identity.Input(0)!;
        if (Patterns.ConstantTensor(buffer) is not { } tensor) return Match<ScoreMask.Causal>.Miss("causal mask buffer is not a constant");
        if (!IsLowerTriangularOnes(tensor)) return Match<ScoreMask.Causal>.Miss("mask buffer is not lower-triangular");
        nodes.AddRange(slices);
        // The scalar arithmetic computing the slice bounds dies with the slices; listing it lets the rewrite remove it
        // at once (it may read a tensor the fused op now produces).
        nodes.AddRange(slices.SelectMany(s => s.Inputs.Skip(1)).SelectMany(BoundArithmetic));
        return new ScoreMask.Causal(nodes, slices, scores, fill.Value);
    }

    /// <summary>
    /// Checks that the slices take rows [T − S, T) and columns [0, T) of the buffer with step 1 (rows [0, S) when there
    /// is no past, T = S then). A dim is proven by name, or structurally: read from dim 1 of <paramref name="inputs"/>
    /// or dim 2 of the match's query heads (S), or dim 2 of its keys/values (T).
    /// </summary>
    public static string? CheckWindow(ScoreMask.Causal causal, SelfAttentionMatch m, Dim sequence, IReadOnlyList<Value> inputs, ShapeFacts facts)
    {
        bool IsS(Value bound, int i, Dim? known) =>
            ShapeFacts.SameDim(known, sequence) || facts.IsDimOf(bound, i, inputs, 1) || facts.IsDimOf(bound, i, m.QueryLengthOwners, 2);
        var keyLength = m.KeyLengthOwners.Select(o => o.Shape is { Rank: 4 } k ? k[2] : null).FirstOrDefault(d => d is not null);
        bool IsT(Value bound, int i, Dim? known) =>
            ShapeFacts.SameDim(known, keyLength) || facts.IsDimOf(bound, i, m.KeyLengthOwners, 2) || (!m.HasPast && IsS(bound, i, known));
        bool IsOffset(Value bound, int i, Dim? known) =>
            known is { IsStatic: true } && keyLength is { IsStatic: true } && sequence.IsStatic && known.Value == keyLength.Value - sequence.Value
            || facts.Piece(bound, i) is { Producer: { OpType: "Sub" } sub }
            && IsTScalar(sub.Input(0)!) && (facts.IsScalarDimOf(sub.Input(1)!, inputs, 1) || facts.IsScalarDimOf(sub.Input(1)!, m.QueryLengthOwners, 2));
        bool IsTScalar(Value scalar) => facts.IsScalarDimOf(scalar, m.KeyLengthOwners, 2);

        var sliced = new HashSet<long>();
        foreach (var slice in causal.Slices)
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
                if (steps is not null && (i >= steps.Length || steps[i] is not { IsStatic: true, Value: 1 })) return "causal mask Slice step is not 1";
                bool startsAtZero = starts[i] is { IsStatic: true, Value: 0 };
                if (axis == 3 && !startsAtZero) return "causal mask Slice does not start at column 0";
                // Rows start at 0 only without a past; with one they start at T − S (the first query's position).
                if (axis == 2 && !(startsAtZero && !m.HasPast) && !IsOffset(slice.Input(1)!, i, starts[i]))
                    return m.HasPast ? "causal mask rows do not start at key length − query length" : "causal mask Slice does not start at 0";
                if (!IsT(slice.Input(2)!, i, ends[i]))
                    return m.HasPast ? $"causal mask Slice ends at {ends[i]}, not the key length" : $"causal mask Slice ends at {ends[i]}, not the sequence length {sequence}";
                if (!sliced.Add(axis)) return "causal mask Slice cuts an axis twice";
            }
        }
        return sliced.Count == 2 ? null : "causal mask slices do not take [:S, :S] of the buffer";
    }

    private static Value StripBoolCast(Value cond, List<Node> nodes, out string? reason)
    {
        reason = null;
        if (Patterns.Producer(cond, "Cast") is not { } cast) return cond;
        if (cast.GetInt("to", 0) != (long)DataType.Bool) reason = "causal mask Cast is not to bool";
        nodes.Add(cast);
        return cast.Input(0)!;
    }

    /// <summary>The Unsqueeze/Sub/Gather/Shape/Concat/Cast chain computing a slice bound (stops at anything else).</summary>
    private static IEnumerable<Node> BoundArithmetic(Value? bound)
    {
        var found = new List<Node>();
        var pending = new Stack<Value?>(new[] { bound });
        while (pending.Count > 0 && found.Count < 32)
        {
            if (pending.Pop()?.Producer is not { OpType: "Unsqueeze" or "Sub" or "Gather" or "Shape" or "Concat" or "Cast" or "Squeeze" } node || node.Domain.Length > 0) continue;
            found.Add(node);
            if (node.OpType == "Shape") continue;
            foreach (var input in node.Inputs) pending.Push(input);
        }
        return found;
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

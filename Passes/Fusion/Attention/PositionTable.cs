using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// A rotary cos or sin operand: Unsqueeze…(Gather(table [M, D], positions)), rows of a constant table broadcast over
/// heads. The positions are either Unsqueeze…(Range(0, S, 1)) — <see cref="Positions"/> is null, ORT's RotaryEmbedding
/// reads that as position_ids = [0] — or explicit position ids [B, S] (a model input, as HF exports Llama with
/// cos_cached[position_ids]), which RotaryEmbedding takes as they are.
/// </summary>
public sealed record PositionTable(Tensor Table, Value? Positions, IReadOnlyList<Node> Nodes)
{
    /// <summary>
    /// Matches the operand for a head tensor <paramref name="heads"/> [B, H, S, D] of head size
    /// <paramref name="headSize"/>.
    /// </summary>
    public static Match<PositionTable> Find(Value operand, Shape heads, long headSize, ShapeFacts facts)
    {
        if (operand.Shape is not { Rank: >= 2 and <= 4 } shape) return Match<PositionTable>.Miss("table operand rank is not 2 to 4");
        int rank = shape.Rank;
        if (shape[rank - 1] is not { IsStatic: true } last || last.Value != headSize) return Match<PositionTable>.Miss($"table operand does not end in the head size {headSize}");
        var nodes = new List<Node>();
        var value = Peel(operand, nodes);
        if (Patterns.Producer(value, "Gather") is not { } gather || gather.GetInt("axis", 0) != 0) return Match<PositionTable>.Miss("table operand is not a Gather of rows");
        nodes.Add(gather);
        if (Patterns.ConstantTensor(gather.Input(0)) is not { Rank: 2, ElementType: DataType.Float } table || table.Dims[1] != headSize)
            return Match<PositionTable>.Miss("gathered table is not a constant float32 [max_positions, head_size]");
        if (headSize % 2 != 0) return Match<PositionTable>.Miss("head size is odd");
        var index = Peel(gather.Input(1)!, nodes);
        if (Patterns.Producer(index, "Range") is { } range)
        {
            for (int i = 0; i < rank - 2; i++)
                if (shape[i] is not { IsStatic: true, Value: 1 }) return Match<PositionTable>.Miss("table operand is not broadcast over batch and heads (leading dims are not 1)");
            if (Patterns.ScalarConstant(range.Input(0)) is not 0.0 || Patterns.ScalarConstant(range.Input(2)) is not 1.0) return Match<PositionTable>.Miss("positions Range does not start at 0 with step 1");
            if (facts.Elements(range.Input(1)) is not [var limit] || !ShapeFacts.SameDim(limit, heads[2]))
                return Match<PositionTable>.Miss($"positions Range limit is not provably the sequence length {heads[2]}");
            nodes.Add(range);
            return new PositionTable(table, null, nodes);
        }
        if (ExplicitPositionsRefusal(index, gather, shape, heads) is { } refusal) return Match<PositionTable>.Miss(refusal);
        return new PositionTable(table, index, nodes);
    }

    /// <summary>
    /// Why <paramref name="ids"/> cannot be RotaryEmbedding's position_ids [B, S], or null: ORT reads row b·S + s of
    /// them for batch b, so they must be int64 with the head tensor's batch and sequence dims, and the operand must
    /// be the gathered rows [B, 1, S, D] (rank 4; a 3-D [B, S, D] operand would broadcast B over the heads).
    /// </summary>
    private static string? ExplicitPositionsRefusal(Value ids, Node gather, Shape operand, Shape heads)
    {
        const string what = "positions are neither Range(0, S, 1) nor position ids [batch, sequence]";
        if (ids.ElementType is not DataType.Int64 || ids.Shape is not { Rank: 2 } shape) return what;
        if (!ShapeFacts.SameDim(shape[0], heads[0]) || !ShapeFacts.SameDim(shape[1], heads[2]))
            return $"position ids [{shape[0]}, {shape[1]}] are not provably [batch, sequence] of the heads [{heads[0]}, {heads[2]}]";
        if (operand.Rank != 4 || !ShapeFacts.SameDim(operand[0], heads[0]) || operand[1] is not { IsStatic: true, Value: 1 })
            return "rows gathered at position ids are not unsqueezed to [batch, 1, sequence, head_size]";
        return gather.Output(0).Shape is { Rank: 3 } ? null : "gathered rows are not [batch, sequence, head_size]";
    }

    /// <summary>Whether every row of a [M, D] table repeats its first half in its second half.</summary>
    public static bool HalvesEqual(Tensor table)
    {
        long rows = table.Dims[0], width = table.Dims[1], half = width / 2;
        var span = table.AsSpan<float>();
        for (long r = 0; r < rows; r++)
            for (long i = 0; i < half; i++)
                if (span[(int)(r * width + i)] != span[(int)(r * width + half + i)]) return false;
        return true;
    }

    private static Value Peel(Value value, List<Node> nodes)
    {
        while (Patterns.Producer(value, "Unsqueeze") is { } unsqueeze)
        {
            nodes.Add(unsqueeze);
            value = unsqueeze.Input(0)!;
        }
        return value;
    }
}

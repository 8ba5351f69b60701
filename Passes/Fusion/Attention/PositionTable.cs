using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// A rotary cos or sin operand: Unsqueeze…(Gather(table [M, D], Unsqueeze…(Range(0, S, 1)))), i.e. rows 0..S−1 of a
/// constant table broadcast as [1, 1, S, D] over batch and heads.
/// </summary>
public sealed record PositionTable(Tensor Table, Node Range, IReadOnlyList<Node> Nodes)
{
    /// <summary>Matches the operand for a head tensor of sequence dim <paramref name="sequence"/> and head size <paramref name="headSize"/>.</summary>
    public static Match<PositionTable> Find(Value operand, Dim sequence, long headSize, ShapeFacts facts)
    {
        if (operand.Shape is not { Rank: >= 2 and <= 4 } shape) return Match<PositionTable>.Miss("table operand rank is not 2 to 4");
        int rank = shape.Rank;
        if (shape[rank - 1] is not { IsStatic: true } last || last.Value != headSize) return Match<PositionTable>.Miss($"table operand does not end in the head size {headSize}");
        for (int i = 0; i < rank - 2; i++)
            if (shape[i] is not { IsStatic: true, Value: 1 }) return Match<PositionTable>.Miss("table operand is not broadcast over batch and heads (leading dims are not 1)");
        var nodes = new List<Node>();
        var value = Peel(operand, nodes);
        if (Patterns.Producer(value, "Gather") is not { } gather || gather.GetInt("axis", 0) != 0) return Match<PositionTable>.Miss("table operand is not a Gather of rows");
        nodes.Add(gather);
        if (Patterns.ConstantTensor(gather.Input(0)) is not { Rank: 2, ElementType: DataType.Float } table || table.Dims[1] != headSize)
            return Match<PositionTable>.Miss("gathered table is not a constant float32 [max_positions, head_size]");
        if (headSize % 2 != 0) return Match<PositionTable>.Miss("head size is odd");
        var index = Peel(gather.Input(1)!, nodes);
        if (Patterns.Producer(index, "Range") is not { } range) return Match<PositionTable>.Miss("positions are not a Range (explicit position_ids are not supported)");
        if (Patterns.ScalarConstant(range.Input(0)) is not 0.0 || Patterns.ScalarConstant(range.Input(2)) is not 1.0) return Match<PositionTable>.Miss("positions Range does not start at 0 with step 1");
        if (facts.Elements(range.Input(1)) is not [var limit] || !ShapeFacts.SameDim(limit, sequence))
            return Match<PositionTable>.Miss($"positions Range limit is not provably the sequence length {sequence}");
        nodes.Add(range);
        return new PositionTable(table, range, nodes);
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

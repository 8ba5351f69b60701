using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// Where a decomposed rotary embedding's cos and sin come from, and how to hand them to com.microsoft
/// RotaryEmbedding: its position_ids input and its [rows, D/2] cos/sin caches.
/// </summary>
public abstract record RotaryCaches(IReadOnlyList<Node> Nodes)
{
    /// <summary>RotaryEmbedding's position_ids, cos_cache and sin_cache inputs, added before the rewriter's root.</summary>
    public abstract (Value Positions, Value Cos, Value Sin) Emit(Rewriter rewriter, string hint);

    /// <summary>
    /// Matches the cos and sin operands of x·cos + rotate_half(x)·sin for head tensor <paramref name="heads"/>
    /// [B, H, S, D]: rows gathered from constant caches (<see cref="PositionTable"/>), or cos/sin computed at run
    /// time from angles (<see cref="ComputedRotaryCaches"/>, HF transformers ≥ 4.38).
    /// </summary>
    public static Match<RotaryCaches> Find(Value cosOperand, Value sinOperand, Shape heads, long headSize, ShapeFacts facts)
    {
        if (ComputedRotaryCaches.IsComputed(cosOperand)) return ComputedRotaryCaches.FromWaves(cosOperand, sinOperand, heads, headSize, facts);
        var cos = PositionTable.Find(cosOperand, heads, headSize, facts);
        if (cos.Value is not { } cosTable) return Match<RotaryCaches>.Miss("cos: " + cos.Reason);
        var sin = PositionTable.Find(sinOperand, heads, headSize, facts);
        if (sin.Value is not { } sinTable) return Match<RotaryCaches>.Miss("sin: " + sin.Reason);
        if (!ReferenceEquals(cosTable.Positions, sinTable.Positions)) return Match<RotaryCaches>.Miss("cos and sin are gathered at different positions");
        if (!PositionTable.HalvesEqual(cosTable.Table) || !PositionTable.HalvesEqual(sinTable.Table))
            return Match<RotaryCaches>.Miss("cos/sin cache halves differ (not cat(freqs, freqs)), so a [max_positions, D/2] cache cannot represent them");
        return new ConstantRotaryCaches(cosTable.Table, sinTable.Table, cosTable.Positions, cosTable.Nodes.Concat(sinTable.Nodes).ToList());
    }
}

/// <summary>
/// cos/sin rows gathered from constant [max_positions, D] caches at Range(0, S) (<paramref name="Positions"/> null:
/// RotaryEmbedding's position_ids = [0], "positions start at 0") or at explicit position ids [B, S]. The caches are
/// halved to the [max_positions, D/2] ORT reads.
/// </summary>
public sealed record ConstantRotaryCaches(Tensor CosTable, Tensor SinTable, Value? Positions, IReadOnlyList<Node> TableNodes)
    : RotaryCaches(TableNodes)
{
    public override (Value Positions, Value Cos, Value Sin) Emit(Rewriter rewriter, string hint) => (
        Positions ?? rewriter.Constant("onnxc_rotary_position_start", Tensor.Vector(0L)),
        rewriter.Constant(hint + "_cos_cache", HalfTable(CosTable)),
        rewriter.Constant(hint + "_sin_cache", HalfTable(SinTable)));

    /// <summary>The first D/2 columns of a [M, D] table.</summary>
    private static Tensor HalfTable(Tensor table)
    {
        long rows = table.Dims[0], width = table.Dims[1], half = width / 2;
        var source = table.AsSpan<float>();
        var result = new float[rows * half];
        for (long r = 0; r < rows; r++) source.Slice((int)(r * width), (int)half).CopyTo(result.AsSpan((int)(r * half), (int)half));
        return Tensor.FromArray(result, rows, half);
    }
}

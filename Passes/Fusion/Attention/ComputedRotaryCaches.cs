using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// cos and sin computed at run time, as HF transformers ≥ 4.38 export Llama-style rotary embeddings:
/// freqs = (inv_freq ⊗ positions)ᵀ [Bf, S, D/2], emb = cat(freqs, freqs), cos = cos(emb)·scaling (sin alike),
/// unsqueezed to [Bf, 1, S, D]. There is no cache to gather from and no bound on the positions, so the caches
/// RotaryEmbedding reads are computed at run time too: since cos(cat(F, F)) = cat(cos F, cos F), cos(F)·scaling
/// flattened to [Bf·S, D/2] holds every row the graph would have used, and position (b, s) reads row b·S + s
/// (when Bf is 1, rows 0..S−1 for every batch: position_ids = [0]). The same angles through the same Cos/Sin
/// kernels on half the elements, whatever computed the angles <paramref name="Angles"/>.
/// </summary>
public sealed record ComputedRotaryCaches(Value Angles, Value? Scale, bool Batched, long HalfWidth, IReadOnlyList<Node> WaveNodes)
    : RotaryCaches(WaveNodes)
{
    /// <summary>Whether the operand is not rows of a cache (no Gather under its Unsqueezes), so only this form can describe it.</summary>
    public static bool IsComputed(Value operand)
    {
        var value = operand;
        while (Patterns.Producer(value, "Unsqueeze") is { } unsqueeze) value = unsqueeze.Input(0)!;
        return Patterns.Producer(value, "Gather") is null;
    }

    public static Match<RotaryCaches> FromWaves(Value cosOperand, Value sinOperand, Shape heads, long headSize, ShapeFacts facts)
    {
        var cos = Wave(cosOperand, "Cos");
        if (cos.Value is not { } c) return Match<RotaryCaches>.Miss("cos: " + cos.Reason);
        var sin = Wave(sinOperand, "Sin");
        if (sin.Value is not { } s) return Match<RotaryCaches>.Miss("sin: " + sin.Reason);
        if (!ReferenceEquals(c.Angles, s.Angles)) return Match<RotaryCaches>.Miss("cos and sin are computed from different angles");
        if (Patterns.ScalarConstant(c.Scale) != Patterns.ScalarConstant(s.Scale)) return Match<RotaryCaches>.Miss("cos and sin are scaled differently");
        if (headSize % 2 != 0) return Match<RotaryCaches>.Miss("head size is odd");
        long half = headSize / 2;
        if (c.Angles.ElementType is not DataType.Float || c.Angles.Shape is not { Rank: 3 } angles || angles[2] is not { IsStatic: true } width || width.Value != half)
            return Match<RotaryCaches>.Miss($"rotary angles are not known to be float32 [batch or 1, sequence, {half}]");
        if (!ShapeFacts.SameDim(angles[1], heads[2])) return Match<RotaryCaches>.Miss($"rotary angles' sequence dim {angles[1]} is not provably the heads' {heads[2]}");
        bool batched = !(angles[0] is { IsStatic: true, Value: 1 });
        if (batched && !ShapeFacts.SameDim(angles[0], heads[0]))
            return Match<RotaryCaches>.Miss($"rotary angles' batch dim {angles[0]} is neither 1 nor provably the heads' {heads[0]}");
        return new ComputedRotaryCaches(c.Angles, c.Scale, batched, half, c.Nodes.Concat(s.Nodes).ToList());
    }

    public override (Value Positions, Value Cos, Value Sin) Emit(Rewriter rewriter, string hint)
    {
        var rowShape = rewriter.Constant("onnxc_rotary_cache_shape", Tensor.Vector(-1L, HalfWidth));
        Value Cache(string wave)
        {
            string name = $"{hint}_{wave.ToLowerInvariant()}";
            var value = rewriter.Add(wave, new[] { Angles }, name: name + "_wave").Output(0);
            if (Scale is not null) value = rewriter.Add("Mul", new[] { value, Scale }, name: name + "_scaled").Output(0);
            return rewriter.Add("Reshape", new[] { value, rowShape }, name: name + "_cache").Output(0);
        }
        var cos = Cache("Cos");
        var sin = Cache("Sin");
        return (Batched ? RowPerToken(rewriter, cos, hint) : rewriter.Constant("onnxc_rotary_position_start", Tensor.Vector(0L)), cos, sin);
    }

    /// <summary>position_ids [B, S] = b·S + s: the rows of the flattened [B·S, D/2] cache, in the angles' own shape.</summary>
    private Value RowPerToken(Rewriter rewriter, Value cache, string hint)
    {
        var zero = rewriter.Constant("onnxc_rotary_zero", Tensor.Scalar(0L));
        var cacheShape = rewriter.Add("Shape", new[] { cache }, name: hint + "_cache_shape").Output(0);
        var rows = rewriter.Add("Gather", new[] { cacheShape, zero }, attributes: new[] { Attribute.Int("axis", 0) }, name: hint + "_cache_rows").Output(0);
        var ids = rewriter.Add("Range", new[] { zero, rows, rewriter.Constant("onnxc_rotary_one", Tensor.Scalar(1L)) }, name: hint + "_rows").Output(0);
        var angleShape = rewriter.Add("Shape", new[] { Angles }, name: hint + "_angle_shape").Output(0);
        var batchAndSequence = rewriter.Add("Slice", new Value?[]
        {
            angleShape, rewriter.Constant("onnxc_rotary_slice_start", Tensor.Vector(0L)), rewriter.Constant("onnxc_rotary_slice_end", Tensor.Vector(2L)),
        }, name: hint + "_batch_sequence").Output(0);
        return rewriter.Add("Reshape", new[] { ids, batchAndSequence }, name: hint + "_position_ids").Output(0);
    }

    private sealed record WaveMatch(Value Angles, Value? Scale, IReadOnlyList<Node> Nodes);

    /// <summary>Unsqueeze(axis 1)(Cast float?(Mul by a scalar constant?(wave(Concat(F, F, last axis))))).</summary>
    private static Match<WaveMatch> Wave(Value operand, string wave)
    {
        string what = $"neither rows gathered from a cache nor {wave}(cat(freqs, freqs)) unsqueezed at axis 1";
        var nodes = new List<Node>();
        if (Patterns.Producer(operand, "Unsqueeze") is not { } unsqueeze || Patterns.ReduceAxes(unsqueeze) is not [1] || Patterns.Rank(unsqueeze.Input(0)) is not 3)
            return Match<WaveMatch>.Miss(what);
        nodes.Add(unsqueeze);
        var value = unsqueeze.Input(0)!;
        if (Patterns.Producer(value, "Cast") is { } cast && cast.GetInt("to", 0) == (long)DataType.Float)
        {
            nodes.Add(cast);
            value = cast.Input(0)!;
        }
        Value? scale = null;
        if (Patterns.Producer(value, "Mul") is { } mul)
        {
            int side = IsScalar(mul.Input(1)) ? 1 : IsScalar(mul.Input(0)) ? 0 : -1;
            if (side < 0) return Match<WaveMatch>.Miss($"{wave} is multiplied by something other than a scalar constant");
            scale = mul.Input(side);
            nodes.Add(mul);
            value = mul.Input(1 - side)!;
        }
        if (Patterns.Producer(value, wave) is not { } waveNode) return Match<WaveMatch>.Miss(what);
        nodes.Add(waveNode);
        if (Patterns.Producer(waveNode.Input(0), "Concat") is not { Inputs.Count: 2 } concat || !ReferenceEquals(concat.Input(0), concat.Input(1))
            || concat.GetInt("axis", 0) is not (-1 or 2))
            return Match<WaveMatch>.Miss($"{wave} does not read cat(freqs, freqs) along the last axis");
        nodes.Add(concat);
        return new WaveMatch(concat.Input(0)!, scale, nodes);
    }

    private static bool IsScalar(Value? value) => Patterns.ConstantTensor(value) is { ElementCount: 1, ElementType: DataType.Float };
}

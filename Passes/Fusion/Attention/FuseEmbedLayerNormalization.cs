using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// BERT embeddings: LayerNormalization over the sum of three row Gathers (word[input_ids], segment[token_type_ids],
/// position[0..S)) → com.microsoft EmbedLayerNormalization. Ids are cast to int32 (the op's only id type); no mask
/// input, because the attention fusion consumes the float additive mask, not mask_index; positions are left implicit
/// (the CPU kernel uses 0..S−1), so the position ids must be provably exactly that.
/// </summary>
public sealed class FuseEmbedLayerNormalization(AttentionAnalysis analysis) : RewriteRule<EmbedLayerNormMatch>
{
    public override string Name => "embed-layer-norm";

    public override string RootOp => "LayerNormalization";

    protected override Match<EmbedLayerNormMatch> Find(Node root)
    {
        var nodes = new List<Node> { root };
        var leaves = new List<Value>();
        if (Patterns.Producer(root.Input(0), "Add") is null) return Match<EmbedLayerNormMatch>.None;
        Flatten(root.Input(0)!, leaves, nodes, top: true);
        var gathers = leaves.Select(v => Patterns.Producer(v, "Gather")).ToList();
        // Silent unless the sum is of Gathers: an ordinary residual LayerNorm is not a near miss.
        if (gathers.Count(g => g is not null) < 2) return Match<EmbedLayerNormMatch>.None;
        if (leaves.Count != 3 || gathers.Any(g => g is null)) return Miss($"embedding sum has {leaves.Count} terms, not three Gathers");
        if (gathers.Any(g => g!.GetInt("axis", 0) != 0 || !IsTable(g.Input(0)))) return Miss("an embedding Gather is not of rows of a constant float32 2-D table");
        nodes.AddRange(gathers!);

        var idGathers = gathers.Where(g => g!.Input(1) is { IsGraphInput: true }).ToList();
        if (idGathers.Count != 2) return Miss("input_ids and token_type_ids are not both graph inputs");
        var positionGather = gathers.Single(g => !idGathers.Contains(g))!;
        var (word, segment) = (idGathers[0]!, idGathers[1]!);
        // The larger table is the vocabulary (the op bounds-checks each id against its own table).
        if (Patterns.ConstantTensor(word.Input(0))!.Dims[0] < Patterns.ConstantTensor(segment.Input(0))!.Dims[0]) (word, segment) = (segment, word);
        var ids = word.Input(1)!;
        if (ids.Shape is not { Rank: 2 } idShape || segment.Input(1)!.Shape is not { Rank: 2 } segShape
            || !ShapeFacts.SameDim(idShape[0], segShape[0]) || !ShapeFacts.SameDim(idShape[1], segShape[1]))
            return Miss("input_ids and token_type_ids are not provably the same [batch, sequence] shape");
        if (ids.ElementType is not (DataType.Int64 or DataType.Int32) || segment.Input(1)!.ElementType is not (DataType.Int64 or DataType.Int32))
            return Miss("ids are not int32 or int64");
        if (PositionsReason(positionGather.Input(1)!, idShape[1], nodes) is { } reason) return Miss(reason);
        return new EmbedLayerNormMatch(root, ids, word.Input(0)!, segment.Input(1)!, segment.Input(0)!, positionGather.Input(0)!, nodes);
    }

    protected override string? Check(EmbedLayerNormMatch m, Rewriter rewriter)
    {
        var ln = m.LayerNorm;
        long axis = ln.GetInt("axis", -1);
        if (axis != -1 && axis != 2) return "LayerNormalization is not over the last axis";
        if (ln.Outputs.Count > 1 && ln.Outputs.Skip(1).Any(o => o.Uses.Count > 0 || o.IsGraphOutput)) return "LayerNormalization mean/inv_std outputs are read";
        long width = Patterns.ConstantTensor(m.WordTable)!.Dims[1];
        if (new[] { m.SegmentTable, m.PositionTable }.Any(t => Patterns.ConstantTensor(t)!.Dims[1] != width)) return "embedding tables differ in width";
        if (Patterns.ConstantTensor(ln.Input(1)) is not { Rank: 1 } scale || scale.Dims[0] != width) return "LayerNorm scale is not a constant vector of the hidden width";
        if (ln.Input(2) is null || Patterns.ConstantTensor(ln.Input(2)) is not { Rank: 1 } bias || bias.Dims[0] != width) return "LayerNorm bias is not a constant vector of the hidden width";
        foreach (var intermediate in m.Nodes.Skip(1).Where(n => n.Is("Add") || n.Is("Gather")))
            if (intermediate.Output(0).Uses.Count != 1 || intermediate.Output(0).IsGraphOutput) return "embedding sum pieces have other readers";
        return null;
    }

    protected override void Rewrite(EmbedLayerNormMatch m, Rewriter rewriter)
    {
        var ln = m.LayerNorm;
        string hint = (ln.Name ?? "embeddings").Replace('/', '_').Trim('_');
        var ids = Int32(m.InputIds, rewriter, hint + "_input_ids");
        var segments = Int32(m.SegmentIds, rewriter, hint + "_segment_ids");
        var inputs = new[] { ids, segments, m.WordTable, m.PositionTable, m.SegmentTable, ln.Input(1), ln.Input(2) };
        // mask_index (output 1) is required by the CPU kernel even when no mask is given; nothing reads it.
        var node = rewriter.Add("EmbedLayerNormalization", inputs, outputCount: 2, domain: AttentionBuilder.MicrosoftDomain,
            attributes: new[] { Attribute.Float("epsilon", ln.GetFloat("epsilon", 1e-5f)) }, name: hint + "_EmbedLayerNormalization");
        rewriter.Replace(ln.Output(0), node.Output(0));
        rewriter.RemoveIfUnused(m.Nodes);
    }

    private static Match<EmbedLayerNormMatch> Miss(string reason) => Match<EmbedLayerNormMatch>.Miss(reason);

    private static bool IsTable(Value? value) => Patterns.ConstantTensor(value) is { Rank: 2, ElementType: DataType.Float };

    /// <summary>Collects the terms of a tree of Adds whose inner sums are read only by the tree.</summary>
    private static void Flatten(Value value, List<Value> leaves, List<Node> nodes, bool top)
    {
        if (Patterns.Producer(value, "Add") is { } add && (top || Patterns.HasSingleUse(value)))
        {
            nodes.Add(add);
            Flatten(add.Input(0)!, leaves, nodes, top: false);
            Flatten(add.Input(1)!, leaves, nodes, top: false);
            return;
        }
        leaves.Add(value);
    }

    /// <summary>
    /// Why the position ids are not provably 0..S−1 (S = <paramref name="sequence"/>): accepted are a constant
    /// arange, a Range(0, S, 1), and Slice(arange buffer [1, M], [0], [S], axes [1]) as HF's BertEmbeddings writes.
    /// </summary>
    private string? PositionsReason(Value positions, Dim sequence, List<Node> nodes)
    {
        var facts = analysis.Facts;
        if (Patterns.ConstantTensor(positions) is { } constant)
            return IsArange(constant) && constant.Dims[^1] == (sequence.IsStatic ? sequence.Value : -1) && constant.ElementCount == constant.Dims[^1]
                ? null : "constant position ids are not 0..S-1 of the sequence";
        while (Patterns.Producer(positions, "Unsqueeze") is { } unsqueeze)
        {
            nodes.Add(unsqueeze);
            positions = unsqueeze.Input(0)!;
        }
        if (Patterns.Producer(positions, "Range") is { } range)
        {
            nodes.Add(range);
            return Patterns.ScalarConstant(range.Input(0)) is 0.0 && Patterns.ScalarConstant(range.Input(2)) is 1.0
                && facts.Elements(range.Input(1)) is [var limit] && ShapeFacts.SameDim(limit, sequence) ? null : "position Range is not provably Range(0, S, 1)";
        }
        if (Patterns.Producer(positions, "Slice") is not { } slice) return "position ids are neither constant, a Range nor a Slice of a buffer";
        nodes.Add(slice);
        if (Patterns.ConstantTensor(slice.Input(0)) is not { Rank: 2 } buffer || buffer.Dims[0] != 1 || !IsArange(buffer)) return "position buffer is not a constant [1, M] arange";
        if (slice.Inputs.Count < 4 || facts.Elements(slice.Input(1)) is not [{ IsStatic: true, Value: 0 }] || facts.Elements(slice.Input(2)) is not [var end]
            || facts.Elements(slice.Input(3)) is not [{ IsStatic: true, Value: 1 or -1 }]) return "position Slice is not [:, 0:S] on axis 1";
        if (slice.Input(4) is { } steps && facts.Elements(steps) is not [{ IsStatic: true, Value: 1 }]) return "position Slice step is not 1";
        if (!ShapeFacts.SameDim(end, sequence) || end.IsStatic && end.Value > buffer.Dims[1]) return $"position Slice ends at {end}, not provably the sequence length {sequence}";
        return null;
    }

    private static bool IsArange(Tensor tensor)
    {
        if (tensor.ElementType is not (DataType.Int64 or DataType.Int32)) return false;
        long[] values = tensor.ElementType == DataType.Int64 ? tensor.ToArray<long>() : tensor.ToArray<int>().Select(v => (long)v).ToArray();
        for (long i = 0; i < values.Length; i++) if (values[i] != i) return false;
        return true;
    }

    private static Value Int32(Value ids, Rewriter rewriter, string name) => ids.ElementType == DataType.Int32
        ? ids
        : rewriter.Add("Cast", new[] { ids }, attributes: new[] { Attribute.Int("to", (long)DataType.Int32) }, name: name + "_Cast").Output(0);
}

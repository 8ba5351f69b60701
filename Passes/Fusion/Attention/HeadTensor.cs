using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// A per-head view of a projection's output: columns [<see cref="ColumnStart"/>, +Heads·HeadSize) of
/// <see cref="Projection"/>, split into heads by the exporter's Reshape/Transpose (or Split, or packed 5-D Gather) chain.
/// <see cref="Flat"/> is the [B, S, Heads·HeadSize] tensor the split starts from (null for packed QKV);
/// <see cref="Rotary"/> is a com.microsoft RotaryEmbedding applied to the heads, if any; <see cref="Past"/> the
/// cached [B, H, P, D] keys or values the new heads are appended to by <see cref="PastConcat"/> (GPT-2 with past).
/// </summary>
public sealed record HeadTensor(LinearProjection Projection, long ColumnStart, long Heads, long HeadSize, IReadOnlyList<Node> Nodes,
    Value? Flat = null, Node? Rotary = null, Value? Past = null, Node? PastConcat = null)
{
    public long Width => Heads * HeadSize;

    /// <summary>
    /// Matches a [B, H, S, D] head tensor: Transpose(0,2,1,3) of Reshape [B, S, H, D] of a projection (or of one
    /// Split output of it), or Gather(i) of Transpose(2,0,3,1,4) of Reshape [B, S, 3, H, D] (packed QKV, timm's ViT).
    /// </summary>
    public static Match<HeadTensor> FindHeadsFirst(Value value, ShapeFacts facts)
    {
        if (Patterns.Producer(value, "RotaryEmbedding", AttentionBuilder.MicrosoftDomain) is { } rotary) return FromRotary(rotary, facts);
        if (Patterns.Producer(value, "Transpose") is { } transpose)
        {
            if (!Perm(transpose, 0, 2, 1, 3)) return Match<HeadTensor>.Miss($"head split Transpose has perm [{string.Join(",", transpose.GetInts("perm") ?? Array.Empty<long>())}], not [0,2,1,3]");
            return FromReshape(transpose.Input(0)!, facts, transpose);
        }
        if (Patterns.Producer(value, "Gather") is { } gather) return FromPacked(gather, facts);
        if (Patterns.Producer(value, "Concat") is { } concat) return FromPast(concat, facts);
        if (Patterns.Producer(value, "Squeeze") is { } squeeze) return FromSlicedPacked(squeeze, facts);
        return Match<HeadTensor>.Miss("head tensor is not produced by Transpose, Gather, Squeeze or Concat");
    }

    /// <summary>Matches a [B, H, D, S] key tensor: Transpose(0,2,3,1) of Reshape [B, S, H, D], or Transpose(0,1,3,2) of a head tensor.</summary>
    public static Match<HeadTensor> FindKeyTransposed(Value value, ShapeFacts facts)
    {
        if (Patterns.Producer(value, "Transpose") is not { } transpose) return Match<HeadTensor>.Miss("key is not transposed by a Transpose");
        if (Perm(transpose, 0, 2, 3, 1)) return FromReshape(transpose.Input(0)!, facts, transpose);
        if (!Perm(transpose, 0, 1, 3, 2)) return Match<HeadTensor>.Miss("key Transpose is neither (0,2,3,1) nor (0,1,3,2)");
        // Concatenated keys are also the present output; FromPast checks their readers.
        bool past = Patterns.Producer(transpose.Input(0), "Concat") is not null;
        if (!past && !SelfAttentionMatcher.ReadOnlyBy(transpose.Input(0)!, transpose)) return Match<HeadTensor>.Miss("key heads have other readers");
        var inner = FindHeadsFirst(transpose.Input(0)!, facts);
        return inner.Value is { } heads ? heads with { Nodes = heads.Nodes.Append(transpose).ToList() } : inner;
    }

    /// <summary>RotaryEmbedding on the [B, H, S, D] heads (what fuse-rotary-embedding makes of Llama's rotate_half).</summary>
    private static Match<HeadTensor> FromRotary(Node rotary, ShapeFacts facts)
    {
        var heads = rotary.Input(0)!;
        if (heads.Shape is not { Rank: 4 }) return Match<HeadTensor>.Miss("RotaryEmbedding input is not the 4-D head layout");
        if (!SelfAttentionMatcher.ReadOnlyBy(heads, rotary)) return Match<HeadTensor>.Miss("heads before RotaryEmbedding have other readers");
        var inner = FindHeadsFirst(heads, facts);
        if (inner.Value is not { } found) return inner;
        if (found.Rotary is not null) return Match<HeadTensor>.Miss("RotaryEmbedding is applied twice");
        return found with { Rotary = rotary, Nodes = found.Nodes.Prepend(rotary).ToList() };
    }

    /// <summary>
    /// Concat(past [B, H, P, D], heads [B, H, S, D]) on the sequence axis: the cached keys/values with the new ones
    /// appended (HuggingFace's torch.cat((past_key, key), dim=-2)). The result may also be a graph output (the present).
    /// </summary>
    private static Match<HeadTensor> FromPast(Node concat, ShapeFacts facts)
    {
        if (concat.Inputs.Count != 2 || concat.Input(0) is not { } past || concat.Input(1) is not { } heads)
            return Match<HeadTensor>.Miss("cached heads are not a Concat of the past and the new heads");
        long axis = concat.GetInt("axis", 0);
        if (axis != 2 && axis != -2) return Match<HeadTensor>.Miss($"past Concat is on axis {axis}, not the sequence axis 2");
        if (!SelfAttentionMatcher.ReadOnlyBy(heads, concat)) return Match<HeadTensor>.Miss("new heads have readers besides the past Concat");
        var inner = FindHeadsFirst(heads, facts);
        if (inner.Value is not { } found) return inner;
        if (found.Past is not null) return Match<HeadTensor>.Miss("heads are concatenated to a past twice");
        return found with { Past = past, PastConcat = concat, Nodes = found.Nodes.Prepend(concat).ToList() };
    }

    /// <summary>Whether a Transpose has exactly the given permutation.</summary>
    public static bool Perm(Node transpose, params long[] perm) => transpose.GetInts("perm") is { } p && p.SequenceEqual(perm);

    private static Match<HeadTensor> FromReshape(Value reshaped, ShapeFacts facts, Node transpose)
    {
        if (Patterns.Producer(reshaped, "Reshape") is not { } reshape) return Match<HeadTensor>.Miss("head split is not a Reshape");
        if (!SelfAttentionMatcher.ReadOnlyBy(reshaped, transpose)) return Match<HeadTensor>.Miss("head split Reshape has other readers");
        if (facts.Elements(reshape.Input(1)) is not { Length: 4 } target || !target[2].IsStatic || !target[3].IsStatic)
            return Match<HeadTensor>.Miss("num_heads cannot be derived: Reshape shape is not a 4-D shape with constant heads and head size");
        long heads = target[2].Value!.Value, headSize = target[3].Value!.Value;
        if (heads <= 0 || headSize <= 0) return Match<HeadTensor>.Miss("num_heads cannot be derived: heads or head size is not positive");
        var nodes = new List<Node> { transpose, reshape };
        var source = reshape.Input(0)!;
        long start = 0;
        var split = Patterns.Producer(source, "Split");
        var projection = LinearProjection.Find(split?.Input(0) ?? source, facts);
        if (projection.Value is not { } proj) return Match<HeadTensor>.Miss(projection.Reason ?? "no projection");
        if (split is not null)
        {
            if (SplitColumns(split, source, proj.OutFeatures) is not { } columns) return Match<HeadTensor>.Miss("Split is not on the last axis with constant sizes");
            if (columns.Count != heads * headSize) return Match<HeadTensor>.Miss($"Split part has {columns.Count} columns, not heads·head_size = {heads * headSize}");
            start = columns.Start;
            nodes.Add(split);
        }
        if (nodes.Count == 2 && proj.OutFeatures != heads * headSize) return Match<HeadTensor>.Miss($"projection width {proj.OutFeatures} is not heads·head_size = {heads * headSize}");
        if (CheckBatchSequence(reshape, proj, facts, heads, headSize) is { } reason) return Match<HeadTensor>.Miss(reason);
        nodes.AddRange(proj.Nodes);
        return new HeadTensor(proj, start, heads, headSize, nodes, Flat: source);
    }

    private static Match<HeadTensor> FromPacked(Node gather, ShapeFacts facts)
    {
        if (gather.GetInt("axis", 0) != 0) return Match<HeadTensor>.Miss("packed QKV Gather is not on axis 0");
        if (Patterns.ConstantTensor(gather.Input(1)) is not { Rank: 0 } || Patterns.ScalarConstant(gather.Input(1)) is not { } index)
            return Match<HeadTensor>.Miss("packed QKV Gather index is not a scalar constant");
        return FromPackedPart(gather.Input(0)!, (long)index, new[] { gather }, facts);
    }

    /// <summary>
    /// Paddle2ONNX's packed part: Squeeze(axis 0) of Slice(axis 0, [i, i + 1)) of the Transpose(2,0,3,1,4), the same
    /// as Gather(i) on axis 0.
    /// </summary>
    private static Match<HeadTensor> FromSlicedPacked(Node squeeze, ShapeFacts facts)
    {
        long[]? axes = squeeze.GetInts("axes") ?? (squeeze.Input(1) is { } a ? Patterns.ConstantTensor(a)?.ToArray<long>() : null);
        if (axes is not [0]) return Match<HeadTensor>.Miss("head tensor Squeeze is not of axis 0");
        if (Patterns.Producer(squeeze.Input(0), "Slice") is not { } slice) return Match<HeadTensor>.Miss("head tensor is a Squeeze of no Slice");
        if (SliceBounds(slice, facts) is not ([0], [var start], [var end], null or [1]) || end != start + 1)
            return Match<HeadTensor>.Miss("packed QKV Slice does not take one part [i, i + 1) of axis 0");
        return FromPackedPart(slice.Input(0)!, start, new[] { squeeze, slice }, facts);
    }

    /// <summary>The constant axes, starts, ends and steps of a Slice (attributes before opset 10, inputs after).</summary>
    public static (long[] Axes, long[] Starts, long[] Ends, long[]? Steps)? SliceBounds(Node slice, ShapeFacts facts)
    {
        if (slice.GetInts("starts") is { } starts && slice.GetInts("ends") is { } ends)
            return (slice.GetInts("axes") ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray(), starts, ends, null);
        static long[]? Static(Dim[]? dims) => dims is not null && dims.All(d => d.IsStatic) ? dims.Select(d => d.Value!.Value).ToArray() : null;
        if (Static(facts.Elements(slice.Input(1))) is not { } s || Static(facts.Elements(slice.Input(2))) is not { } e) return null;
        var axes = slice.Input(3) is { } ax ? Static(facts.Elements(ax)) : Enumerable.Range(0, s.Length).Select(i => (long)i).ToArray();
        var steps = slice.Input(4) is { } st ? Static(facts.Elements(st)) : null;
        if (axes is null || (slice.Input(4) is not null && steps is null)) return null;
        return (axes, s, e, steps);
    }

    private static Match<HeadTensor> FromPackedPart(Value packed, long index, IEnumerable<Node> partNodes, ShapeFacts facts)
    {
        if (Patterns.Producer(packed, "Transpose") is not { } transpose || !Perm(transpose, 2, 0, 3, 1, 4))
            return Match<HeadTensor>.Miss("packed QKV is not Transpose(2,0,3,1,4)");
        if (Patterns.Producer(transpose.Input(0), "Reshape") is not { } reshape) return Match<HeadTensor>.Miss("packed QKV is not a Reshape");
        if (facts.Elements(reshape.Input(1)) is not { Length: 5 } target || !target[2].IsStatic || !target[3].IsStatic || !target[4].IsStatic)
            return Match<HeadTensor>.Miss("num_heads cannot be derived: packed Reshape shape is not [B, S, parts, heads, head_size] with constant sizes");
        long parts = target[2].Value!.Value, heads = target[3].Value!.Value, headSize = target[4].Value!.Value;
        if (index < 0 || index >= parts) return Match<HeadTensor>.Miss("packed QKV Gather index is out of range");
        var projection = LinearProjection.Find(reshape.Input(0)!, facts);
        if (projection.Value is not { } proj) return Match<HeadTensor>.Miss(projection.Reason ?? "no projection");
        if (proj.OutFeatures != parts * heads * headSize) return Match<HeadTensor>.Miss($"projection width {proj.OutFeatures} is not parts·heads·head_size");
        if (proj.Input.Shape is not { Rank: 3 } x) return Match<HeadTensor>.Miss("attention input is not known to be 3-D");
        if (facts.CheckReshape(reshape, new[] { x[0], x[1], Dim.Of(parts), Dim.Of(heads), Dim.Of(headSize) }, proj.Aliases) is { } reason) return Match<HeadTensor>.Miss(reason);
        return new HeadTensor(proj, index * heads * headSize, heads, headSize, partNodes.Concat(new[] { transpose, reshape }).Concat(proj.Nodes).ToList());
    }

    private static string? CheckBatchSequence(Node reshape, LinearProjection proj, ShapeFacts facts, long heads, long headSize)
    {
        if (proj.Input.Shape is not { Rank: 3 } x) return "attention input is not known to be 3-D";
        return facts.CheckReshape(reshape, new[] { x[0], x[1], Dim.Of(heads), Dim.Of(headSize) }, proj.Aliases.Append(reshape.Input(0)!).ToList());
    }

    /// <summary>The column range of one output of a Split on the last axis of a 3-D tensor.</summary>
    private static (long Start, long Count)? SplitColumns(Node split, Value part, long totalWidth)
    {
        long axis = split.GetInt("axis", 0);
        if (axis != 2 && axis != -1) return null;
        long[]? sizes = split.GetInts("split") ?? (split.Input(1) is { } s ? Patterns.ConstantTensor(s) is { ElementType: DataType.Int64 } t ? t.ToArray<long>() : null : null);
        if (sizes is null)
        {
            // No sizes: equal parts (opset < 18 requires divisibility, which the exporter guarantees).
            if (totalWidth % split.Outputs.Count != 0) return null;
            sizes = Enumerable.Repeat(totalWidth / split.Outputs.Count, split.Outputs.Count).ToArray();
        }
        if (sizes.Length != split.Outputs.Count || sizes.Sum() != totalWidth) return null;
        long start = sizes.Take(part.OutputIndex).Sum();
        return (start, sizes[part.OutputIndex]);
    }
}

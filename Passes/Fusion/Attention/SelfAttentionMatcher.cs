using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// Matches exporter-style self-attention backwards from the head merge: Reshape [B,S,hidden] ← Transpose(0,2,1,3) ←
/// MatMul(probs, v) ← Softmax(last axis) ← [mask] ← Mul/Div(scale) ← MatMul(q, kᵀ), then the q/k/v head chains.
/// Reasons are only reported once the Transpose → MatMul → Softmax spine is seen, so ordinary Reshapes stay silent.
/// </summary>
public static class SelfAttentionMatcher
{
    public static Match<SelfAttentionMatch> Find(Node reshape, ShapeFacts facts)
    {
        if (Patterns.Producer(reshape.Input(0), "Transpose") is not { } merge || !HeadTensor.Perm(merge, 0, 2, 1, 3)) return Match<SelfAttentionMatch>.None;
        if (Patterns.Producer(merge.Input(0), "MatMul") is not { } context) return Match<SelfAttentionMatch>.None;
        if (Patterns.Producer(context.Input(0), "Softmax") is not { } softmax) return Match<SelfAttentionMatch>.None;

        var core = new List<Node> { reshape, merge, context, softmax };
        if (!ReadOnlyBy(merge.Output(0), reshape) || !ReadOnlyBy(context.Output(0), merge)) return Miss("attention context has other readers");
        if (!Patterns.HasSingleUse(softmax.Output(0))) return Miss("attention probabilities are read elsewhere");
        if (!IsLastAxisSoftmax(softmax, facts.Opset)) return Miss("Softmax axis is not the last dimension");

        var (mask, scaled) = FindMask(softmax.Input(0)!, facts);
        if (mask.Reason is { } maskReason) return Miss(maskReason);
        if (mask.Value is ScoreMask.Additive additive) core.Add(additive.Add);
        if (mask.Value is ScoreMask.Causal { Padding: { } padding }) core.Add(padding.Add);

        double scale = 1.0;
        Value scores = scaled;
        if (Patterns.Producer(scaled, "Mul") is { } mul && ScaleOperand(mul, out var s, out var product))
        {
            (scale, scores) = (s, product);
            core.Add(mul);
        }
        else if (Patterns.Producer(scaled, "Div") is { } div && Patterns.ScalarConstant(div.Input(1)) is { } divisor && divisor != 0)
        {
            (scale, scores) = (1.0 / divisor, div.Input(0)!);
            core.Add(div);
        }
        if (Patterns.Producer(scores, "MatMul") is not { } qk) return Miss("scores are not MatMul(q, kᵀ) scaled by a constant");
        // A Shape of the scaled scores may remain: masked_fill's expand_as(scores) reads it (and dies with the match).
        bool scaledReadOnce = !scaled.IsGraphOutput && scaled.Uses.Count(u => !u.Node.Is("Shape")) == 1;
        if (!scaledReadOnce || (!ReferenceEquals(scores, scaled) && !Patterns.HasSingleUse(scores))) return Miss("attention scores have other readers");
        core.Add(qk);

        // Paddle2ONNX scales the query heads before the product: (q·s)kᵀ = s·(qkᵀ).
        Value queryHeads = qk.Input(0)!;
        if (Patterns.Producer(queryHeads, "Mul") is { } queryScale && ScaleOperand(queryScale, out var qs, out var unscaled))
        {
            if (!Patterns.HasSingleUse(queryHeads)) return Miss("scaled query heads have other readers");
            (scale, queryHeads) = (scale * qs, unscaled);
            core.Add(queryScale);
        }
        // DistilBERT divides them: (q / d)kᵀ = (qkᵀ) / d.
        else if (Patterns.Producer(queryHeads, "Div") is { } queryDivide && Patterns.ScalarConstant(queryDivide.Input(1)) is { } qd && qd != 0)
        {
            if (!Patterns.HasSingleUse(queryHeads)) return Miss("scaled query heads have other readers");
            (scale, queryHeads) = (scale / qd, queryDivide.Input(0)!);
            core.Add(queryDivide);
        }
        // torch.onnx's scaled_dot_product_attention scales both sides by √s: (q·√s)(kᵀ·√s) = s·(qkᵀ).
        Value keyHeads = qk.Input(1)!;
        if (Patterns.Producer(keyHeads, "Mul") is { } keyScale && ScaleOperand(keyScale, out var ks, out var unscaledKey))
        {
            if (!Patterns.HasSingleUse(keyHeads)) return Miss("scaled key heads have other readers");
            (scale, keyHeads) = (scale * ks, unscaledKey);
            core.Add(keyScale);
        }
        var query = HeadTensor.FindHeadsFirst(queryHeads, facts);
        if (query.Value is not { } q) return Miss("query: " + query.Reason);
        var key = HeadTensor.FindKeyTransposed(keyHeads, facts);
        if (key.Value is not { } k) return Miss("key: " + key.Reason);
        var value = HeadTensor.FindHeadsFirst(context.Input(1)!, facts);
        if (value.Value is not { } v) return Miss("value: " + value.Reason);
        return new SelfAttentionMatch(reshape, q, k, v, scale, mask.Value!, core, qk, context);
    }

    /// <summary>
    /// Whether the head merge at <paramref name="reshape"/> leads back to a Softmax of a Where, or of a Where over the
    /// scaled scores plus a padding mask (a causal candidate). An additive mask that a Where computed is not one.
    /// </summary>
    public static bool SoftmaxReadsWhere(Node reshape) =>
        Spine(reshape) is { } spine && spine.Softmax.Input(0) is { } logits
        && (Patterns.Producer(logits, "Where") is not null
            || Patterns.Producer(logits, "Add") is { } add && !IsScaledScores(add.Input(0)!) && !IsScaledScores(add.Input(1)!)
               && new[] { add.Input(0), add.Input(1) }.Any(operand => Patterns.Producer(operand, "Where") is { } where
                   && (IsScaledScores(where.Input(1)!) || IsScaledScores(where.Input(2)!))));

    /// <summary>Whether the values at the head merge <paramref name="reshape"/> are a Concat (cached past values: GPT-2 with past_key_values).</summary>
    public static bool ReadsPast(Node reshape) => Spine(reshape) is { } spine && Patterns.Producer(spine.Context.Input(1), "Concat") is not null;

    private static (Node Context, Node Softmax)? Spine(Node reshape) =>
        Patterns.Producer(reshape.Input(0), "Transpose") is { } merge && Patterns.Producer(merge.Input(0), "MatMul") is { } context
        && Patterns.Producer(context.Input(0), "Softmax") is { } softmax ? (context, softmax) : null;

    /// <summary>Conditions under which Attention(x, [Wq|Wk|Wv], [bq|bk|bv]) computes exactly the matched graph.</summary>
    public static string? Check(SelfAttentionMatch m, ShapeFacts facts)
    {
        if (!ReferenceEquals(m.Query.Projection.Input, m.Key.Projection.Input) || !ReferenceEquals(m.Query.Projection.Input, m.Value.Projection.Input))
            return "q, k and v are not projections of the same input (cross-attention)";
        if (m.Key.Heads != m.Heads || m.Value.Heads != m.Heads || m.Key.HeadSize != m.Query.HeadSize || m.Value.HeadSize != m.Query.HeadSize)
            return "q, k and v differ in heads or head size";
        if (m.Query.Past is not null) return "queries are concatenated to a past";
        if ((m.Key.Past is null) != (m.Value.Past is null)) return "only one of keys and values is concatenated to a past";
        if (m.Input.Shape is not { Rank: 3 } x) return "attention input is not known to be 3-D";
        if (!ShapeFacts.SameDim(x[2], Dim.Of(m.Query.Projection.InFeatures))) return "attention input width does not match the projection weights";
        // The merged context [B, S, H, D] has the input's batch and sequence: q fixes them, and k, v share the input.
        var owners = m.Query.Projection.Aliases.Append(m.MergeReshape.Input(0)!).ToList();
        if (facts.CheckReshape(m.MergeReshape, new[] { x[0], x[1], Dim.Of(m.Hidden) }, owners) is { } reason) return "head merge: " + reason;
        if (m.Mask is ScoreMask.Additive additive && CheckAdditiveMask(additive.Mask) is { } maskReason) return maskReason;
        if (m.Mask is ScoreMask.Filled filled && filled.Condition.Shape is not { Rank: 4 }) return "masked_fill condition is not known to be 4-D";
        if (m.Mask is ScoreMask.Causal causal)
        {
            if (CausalMask.CheckWindow(causal, m, x[1], owners, facts) is { } causalReason) return causalReason;
            if (causal.Padding is { } padding && CheckAdditiveMask(padding.Mask) is { } paddingReason) return paddingReason;
        }
        return null;
    }

    /// <summary>
    /// Whether <paramref name="value"/> feeds only <paramref name="reader"/>, besides Shape nodes (which read its dims
    /// for the Reshape targets and die with the match).
    /// </summary>
    public static bool ReadOnlyBy(Value value, Node reader) =>
        !value.IsGraphOutput && value.Uses.All(u => ReferenceEquals(u.Node, reader) || u.Node.Is("Shape"));

    /// <summary>
    /// The Shape nodes reading <paramref name="nodes"/>' outputs and the scalar arithmetic after them (the exporter's
    /// Reshape targets): they die with the match, and removing them in the rewrite keeps the graph in order where a
    /// matched value is now produced by the fused node.
    /// </summary>
    public static IEnumerable<Node> ShapeReaders(IEnumerable<Node> nodes)
    {
        var found = new HashSet<Node>();
        var pending = new Stack<Node>(nodes.SelectMany(n => n.Outputs).SelectMany(o => o.Uses).Select(u => u.Node).Where(n => n.Is("Shape")));
        while (pending.Count > 0 && found.Count < 256)
        {
            var node = pending.Pop();
            if (!found.Add(node)) continue;
            foreach (var use in node.Outputs.SelectMany(o => o.Uses))
                if (use.Node is { Domain.Length: 0, OpType: "Gather" or "Unsqueeze" or "Squeeze" or "Concat" or "Cast" or "Sub" or "Add" or "Mul" or "Div" or "Slice" } next) pending.Push(next);
        }
        return found;
    }

    private static Match<SelfAttentionMatch> Miss(string reason) => Match<SelfAttentionMatch>.Miss(reason);

    private static bool IsLastAxisSoftmax(Node softmax, long opset)
    {
        // Before opset 13 Softmax flattens from 'axis' (default 1); on the 4-D scores only axis 3 (or -1) is per-row.
        long axis = softmax.GetAttribute("axis") is { } a ? a.AsInt() : -1;
        bool legacyDefault = softmax.GetAttribute("axis") is null && opset < 13;
        return !legacyDefault && (axis == -1 || axis == 3);
    }

    private static bool ScaleOperand(Node mul, out double scale, out Value other)
    {
        if (Patterns.ScalarConstant(mul.Input(1)) is { } b) (scale, other) = (b, mul.Input(0)!);
        else if (Patterns.ScalarConstant(mul.Input(0)) is { } a) (scale, other) = (a, mul.Input(1)!);
        else (scale, other) = (0, mul.Input(0)!);
        return scale != 0;
    }

    /// <summary>Splits the Softmax input into the mask (if any) and the scaled scores it was applied to.</summary>
    private static (Match<ScoreMask> Mask, Value Scaled) FindMask(Value logits, ShapeFacts facts)
    {
        if (Patterns.Producer(logits, "Where") is { } where)
        {
            var causal = Causal(where, null, logits, facts);
            // Not a causal buffer: a padding mask by masked_fill (DistilBERT), if the Where fills the scaled scores.
            if (causal.Mask.Value is not null || !IsScaledScores(where.Input(2)!)) return causal;
            var filled = MaskedFillMask.Find(where);
            return filled.Value is { } padding
                ? (padding, where.Input(2)!)
                : (Match<ScoreMask>.Miss($"{causal.Mask.Reason}; as a masked_fill padding mask: {filled.Reason}"), logits);
        }
        if (Patterns.Producer(logits, "Add") is { } add)
        {
            var (a, b) = (add.Input(0)!, add.Input(1)!);
            if (IsScaledScores(a)) return (new ScoreMask.Additive(b, add), a);
            if (IsScaledScores(b)) return (new ScoreMask.Additive(a, add), b);
            // HuggingFace GPT-2: the padding mask is added after the causal Where.
            if (Patterns.Producer(a, "Where") is { } whereA) return Causal(whereA, new ScoreMask.Additive(b, add), logits, facts);
            if (Patterns.Producer(b, "Where") is { } whereB) return Causal(whereB, new ScoreMask.Additive(a, add), logits, facts);
            return (Match<ScoreMask>.Miss("Softmax input is an Add of neither operand the scaled scores"), logits);
        }
        return (new ScoreMask.None(), logits);
    }

    private static (Match<ScoreMask> Mask, Value Scaled) Causal(Node where, ScoreMask.Additive? padding, Value logits, ShapeFacts facts)
    {
        var causal = CausalMask.Find(where, facts);
        if (causal.Value is not { } c) return (Match<ScoreMask>.Miss(causal.Reason ?? "Where is not a causal mask"), logits);
        if (padding is not null && !Patterns.HasSingleUse(where.Output(0))) return (Match<ScoreMask>.Miss("causal Where output has readers besides the padding Add"), logits);
        return (c with { Padding = padding }, c.Scores);
    }

    private static bool IsScaledScores(Value value) =>
        Patterns.Producer(value, "MatMul") is not null
        || (Patterns.Producer(value, "Mul") ?? Patterns.Producer(value, "Div")) is { } s && (Patterns.Producer(s.Input(0), "MatMul") ?? Patterns.Producer(s.Input(1), "MatMul")) is not null;

    /// <summary>
    /// The additive mask must be a float 4-D tensor. Where the original graph runs, each mask dim is 1 or the scores'
    /// dim (a larger one would change the Reshape element count); ORT accepts 1 or full on the batch and head axes, and
    /// the emitted Expand fills the query and key axes, so no dim needs a proof beyond the rank.
    /// </summary>
    private static string? CheckAdditiveMask(Value mask)
    {
        if (mask.ElementType is not DataType.Float) return "attention mask is not float32";
        if (mask.Shape is not { Rank: 4 }) return "attention mask is not known to be 4-D";
        return null;
    }
}

using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// DistilBERT's padding mask: <c>scores.masked_fill((mask == 0).view(B, 1, 1, T).expand_as(scores), finfo.min)</c>,
/// exported as Where(Expand(cond, Shape(scores)), fill, scores). ORT's attention takes an additive bias instead, so
/// the fusion turns it into scores + Where(cond, fill, 0): equal in float32 when fill is −inf or at most −1e30 (then
/// s + fill rounds to fill for any score below ~1e22, so even rows whose every key is masked stay uniform).
/// </summary>
internal static class MaskedFillMask
{
    /// <summary>The largest fill for which s + fill == fill in float32 for every attention score that can occur.</summary>
    public const double LargestFill = -1e30;

    /// <summary>Matches <paramref name="where"/> as a masked_fill of the scaled scores (its third input).</summary>
    public static Match<ScoreMask.Filled> Find(Node where)
    {
        if (Patterns.ScalarConstant(where.Input(1)) is not { } fill) return Match<ScoreMask.Filled>.Miss("masked_fill value is not a constant");
        if (!(fill <= LargestFill)) return Match<ScoreMask.Filled>.Miss($"masked_fill value {fill} is above -1e30: scores + fill would not equal fill");
        var condition = where.Input(0)!;
        if (condition.ElementType is not DataType.Bool) return Match<ScoreMask.Filled>.Miss("masked_fill condition is not bool");
        var nodes = new List<Node> { where };
        // expand_as(scores): Where broadcasts the condition over the scores anyway, so the Expand can go.
        if (Patterns.Producer(condition, "Expand") is { } expand && Patterns.Producer(expand.Input(1), "Shape") is { } shape
            && ReferenceEquals(shape.Input(0), where.Input(2)) && Patterns.HasSingleUse(condition))
        {
            nodes.Add(expand);
            condition = expand.Input(0)!;
        }
        return new ScoreMask.Filled(nodes, condition, fill);
    }

    /// <summary>The additive form, Where(condition, fill, 0), emitted before the rewriter's root.</summary>
    public static Value Additive(ScoreMask.Filled filled, Rewriter rewriter)
    {
        var mask = rewriter.Add("Where", new[]
        {
            filled.Condition,
            rewriter.Constant("onnxc_masked_fill", Tensor.Scalar((float)filled.Fill)),
            rewriter.Constant("onnxc_masked_zero", Tensor.Scalar(0f)),
        }).Output(0);
        // Typed at once: the attention_bias expansion reads its dims.
        mask.Type = new TensorType(DataType.Float, filled.Condition.Shape);
        return mask;
    }
}

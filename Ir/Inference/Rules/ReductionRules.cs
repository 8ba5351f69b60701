namespace Onnxc.Ir.Inference.Rules;

/// <summary>Reduce* ops: axes as attribute (before opset 18; ReduceSum before 13) or input, keepdims, noop_with_empty_axes.</summary>
internal static class ReductionRules
{
    private static readonly string[] Reductions =
    {
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
        "ReduceLogSumExp", "ReduceSumSquare",
    };

    public static void Register(OpRules rules) => rules.Add(Reductions, Reduce);

    private static void Reduce(InferenceContext c)
    {
        var x = c.InputShape(0);
        var axes = c.IntsFromInputOrAttribute(1, "axes", out bool known);
        if (x is null || !known)
        {
            // Unknown axes: with keepdims the rank survives, without it nothing is certain.
            c.SetOutputLike(0, 0, x is not null && c.Node.GetInt("keepdims", 1) != 0 ? DimMath.UnknownShape(x.Rank) : null);
            return;
        }
        bool keep = c.Node.GetInt("keepdims", 1) != 0;
        if (axes is null || axes.Length == 0)
        {
            if (c.Node.GetInt("noop_with_empty_axes", 0) != 0)
            {
                c.SetOutputLike(0, 0, x);
                return;
            }
            axes = Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray();
        }
        var reduced = axes.Select(a => DimMath.Axis(a, x.Rank, c.Node.OpType + " axis")).ToHashSet();
        var dims = x.SelectMany((d, i) => !reduced.Contains(i) ? new[] { d } : keep ? new[] { Dim.Of(1) } : Array.Empty<Dim>());
        c.SetOutputLike(0, 0, new Shape(dims));
    }
}

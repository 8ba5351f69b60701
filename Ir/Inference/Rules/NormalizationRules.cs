namespace Onnxc.Ir.Inference.Rules;

/// <summary>LayerNormalization (Y, Mean, InvStdDev) and RMSNormalization.</summary>
internal static class NormalizationRules
{
    public static void Register(OpRules rules)
    {
        rules.Add("LayerNormalization", LayerNormalization);
        rules.Add("RMSNormalization", c => c.SetOutputLike(0, 0, c.InputShape(0)));
    }

    private static void LayerNormalization(InferenceContext c)
    {
        var x = c.InputShape(0);
        c.SetOutputLike(0, 0, x);
        // Mean and InvStdDev keep the leading dims, 1 for each normalized dim, in the stash type (float by default).
        var stash = (DataType)c.Node.GetInt("stash_type", (long)DataType.Float);
        var stats = x is null ? null : StatisticsShape(x, c.Node.GetInt("axis", -1));
        for (int i = 1; i < Math.Min(3, c.OutputCount); i++) c.SetOutput(i, stash, stats);
    }

    /// <summary>X's dims before <paramref name="axisAttr"/>, then 1 for each normalized dim.</summary>
    public static Shape StatisticsShape(Shape x, long axisAttr)
    {
        int axis = DimMath.Axis(axisAttr, x.Rank, "normalization axis");
        return new Shape(x.Take(axis).Concat(Enumerable.Repeat(Dim.Of(1), x.Rank - axis)));
    }
}

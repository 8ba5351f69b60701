namespace Onnxc.Ir.Inference.Rules;

/// <summary>Conv, ConvInteger and pooling (Max/Average/Lp, global variants): pads, strides, dilations, auto_pad, ceil_mode.</summary>
internal static class ConvPoolRules
{
    public static void Register(OpRules rules)
    {
        rules.Add("Conv", c => Conv(c, c.InputElementType(0)));
        rules.Add("ConvInteger", c => Conv(c, DataType.Int32));
        rules.Add(new[] { "MaxPool", "AveragePool", "LpPool" }, Pool);
        rules.Add(new[] { "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool" }, GlobalPool);
    }

    private static void Conv(InferenceContext c, DataType? elementType)
    {
        Shape? x = c.InputShape(0), w = c.InputShape(1);
        if (x is null || x.Rank < 3)
        {
            c.SetOutput(0, elementType, x is null && w is not null ? DimMath.UnknownShape(w.Rank) : null);
            return;
        }
        int spatial = x.Rank - 2;
        long group = c.Node.GetInt("group", 1);
        if (w is not null)
        {
            if (w.Rank != x.Rank) throw InferenceContext.Fail($"Conv weight {w} does not match input {x}");
            if (x[1].IsStatic && w[1].IsStatic && x[1].Value != w[1].Value * group)
            {
                throw InferenceContext.Fail($"Conv input has {x[1]} channels but weight {w} with group {group} expects {w[1].Value * group}");
            }
        }
        var kernel = c.Node.GetInts("kernel_shape")?.Select(Dim.Of).ToArray() ?? w?.Skip(2).ToArray();
        var dims = new List<Dim> { x[0], w?[0] ?? Dim.Unknown };
        dims.AddRange(SpatialDims(c, x, kernel, spatial, ceilMode: false));
        c.SetOutput(0, elementType, new Shape(dims));
    }

    private static void Pool(InferenceContext c)
    {
        var x = c.InputShape(0);
        Shape? result = null;
        if (x is { Rank: >= 3 })
        {
            var kernel = c.Node.GetInts("kernel_shape")?.Select(Dim.Of).ToArray()
                ?? throw InferenceContext.Fail($"{c.Node.OpType} needs kernel_shape");
            var dims = new List<Dim> { x[0], x[1] };
            dims.AddRange(SpatialDims(c, x, kernel, x.Rank - 2, c.Node.GetInt("ceil_mode", 0) != 0));
            result = new Shape(dims);
        }
        c.SetOutputLike(0, 0, result);
        if (c.OutputCount > 1) c.SetOutput(1, DataType.Int64, result);
    }

    private static void GlobalPool(InferenceContext c)
    {
        var x = c.InputShape(0);
        c.SetOutputLike(0, 0, x is { Rank: >= 2 } ? new Shape(x.Take(2).Concat(Enumerable.Repeat(Dim.Of(1), x.Rank - 2))) : null);
    }

    private static IEnumerable<Dim> SpatialDims(InferenceContext c, Shape x, Dim[]? kernel, int spatial, bool ceilMode)
    {
        if (kernel is not null && kernel.Length != spatial) throw InferenceContext.Fail($"{c.Node.OpType} kernel has {kernel.Length} dims for {spatial} spatial dims");
        var strides = c.Node.GetInts("strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
        var dilations = c.Node.GetInts("dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
        var pads = c.Node.GetInts("pads") ?? new long[2 * spatial];
        var autoPad = c.Node.GetString("auto_pad", "NOTSET");
        if (strides.Length != spatial || dilations.Length != spatial || pads.Length != 2 * spatial)
        {
            throw InferenceContext.Fail($"{c.Node.OpType} strides/dilations/pads do not match {spatial} spatial dims");
        }
        for (int i = 0; i < spatial; i++)
        {
            Dim input = x[i + 2];
            long stride = strides[i];
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                yield return stride == 1 ? input : input.IsStatic ? CeilDiv(input.Value!.Value, stride) : Dim.Unknown;
                continue;
            }
            if (kernel?[i] is not { IsStatic: true } k)
            {
                yield return Dim.Unknown;
                continue;
            }
            long extent = (k.Value!.Value - 1) * dilations[i] + 1;
            long padding = autoPad == "VALID" ? 0 : pads[i] + pads[i + spatial];
            if (!input.IsStatic)
            {
                yield return extent == 1 && stride == 1 && padding == 0 ? input : Dim.Unknown;
                continue;
            }
            long span = input.Value!.Value + padding - extent;
            if (span < 0) throw InferenceContext.Fail($"{c.Node.OpType} kernel extent {extent} exceeds padded input {input.Value + padding}");
            yield return (ceilMode ? CeilDiv(span, stride) : span / stride) + 1;
        }
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;
}

namespace Onnxc.Ir.Inference.Rules;

/// <summary>
/// Reshape: a constant (possibly symbolic) target shape with 0 (copy, unless allowzero) and -1 (inferred);
/// a computed target of known length gives the rank only.
/// </summary>
internal static class ReshapeRule
{
    public static void Infer(InferenceContext c)
    {
        var input = c.InputShape(0);
        Dim[]? target = c.Opset < 5 && c.Node.GetInts("shape") is { } attr ? attr.Select(Dim.Of).ToArray() : c.ConstantDims(1);
        if (target is null)
        {
            var length = c.InputShape(1) is { Rank: 1 } s && s[0].IsStatic ? s[0].Value : null;
            c.SetOutputLike(0, 0, length is { } n ? DimMath.UnknownShape((int)n) : null);
            return;
        }
        bool allowZero = c.Node.GetInt("allowzero", 0) != 0;
        var dims = new Dim[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            var e = target[i];
            if (!e.IsStatic)
            {
                dims[i] = e;
                continue;
            }
            long v = e.Value!.Value;
            if (v == -1)
            {
                if (inferred >= 0) throw InferenceContext.Fail($"Reshape target {Format(target)} has more than one -1");
                inferred = i;
                dims[i] = Dim.Unknown;
            }
            else if (v == 0 && !allowZero)
            {
                if (input is not null && i >= input.Rank) throw InferenceContext.Fail($"Reshape target {Format(target)} copies dim {i} of rank-{input.Rank} input");
                dims[i] = input is null ? Dim.Unknown : input[i];
            }
            else if (v < 0)
            {
                throw InferenceContext.Fail($"Reshape target {Format(target)} has invalid size {v}");
            }
            else
            {
                dims[i] = v;
            }
        }
        if (inferred >= 0 && input is not null) dims[inferred] = InferMissing(input, dims.Where((_, i) => i != inferred).ToList());
        var result = new Shape(dims);
        if (input?.ElementCount is { } inCount && result.ElementCount is { } outCount && inCount != outCount)
        {
            throw InferenceContext.Fail($"Reshape of {input} ({inCount} elements) to {result} ({outCount} elements)");
        }
        c.SetOutputLike(0, 0, result);
    }

    /// <summary>The -1 dim: input size over the other output dims, cancelling symbols that appear on both sides.</summary>
    private static Dim InferMissing(Shape input, List<Dim> others)
    {
        if (input.Any(d => !d.IsStatic && d.Symbol is null) || others.Any(d => !d.IsStatic && d.Symbol is null)) return Dim.Unknown;
        var symbols = input.Where(d => d.Symbol is not null).Select(d => d.Symbol!).ToList();
        foreach (var d in others.Where(d => d.Symbol is not null))
        {
            if (!symbols.Remove(d.Symbol!)) return Dim.Unknown;
        }
        long inProduct = input.Where(d => d.IsStatic).Aggregate(1L, (a, d) => a * d.Value!.Value);
        long outProduct = others.Where(d => d.IsStatic).Aggregate(1L, (a, d) => a * d.Value!.Value);
        if (symbols.Count == 0)
        {
            if (outProduct == 0 || inProduct % outProduct != 0) throw InferenceContext.Fail($"Reshape of {input} cannot fill {outProduct}-element blocks");
            return inProduct / outProduct;
        }
        return symbols.Count == 1 && inProduct == outProduct ? Dim.Named(symbols[0]) : Dim.Unknown;
    }

    private static string Format(Dim[] dims) => "[" + string.Join(",", dims.Select(d => d.ToString())) + "]";
}

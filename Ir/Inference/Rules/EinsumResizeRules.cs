namespace Onnxc.Ir.Inference.Rules;

/// <summary>Einsum (explicit and implicit output, ellipsis) and Resize/Upsample (constant sizes or scales).</summary>
internal static class EinsumResizeRules
{
    public static void Register(OpRules rules)
    {
        rules.Add("Einsum", Einsum);
        rules.Add(new[] { "Resize", "Upsample" }, Resize);
    }

    private static void Einsum(InferenceContext c)
    {
        var equation = c.Node.GetString("equation", "").Replace(" ", "", StringComparison.Ordinal);
        var arrow = equation.IndexOf("->", StringComparison.Ordinal);
        var terms = (arrow < 0 ? equation : equation[..arrow]).Split(',');
        if (terms.Length != c.InputCount) throw InferenceContext.Fail($"Einsum equation '{equation}' names {terms.Length} operands for {c.InputCount} inputs");
        var letters = new Dictionary<char, Dim>();
        var counts = new Dictionary<char, int>();
        var ellipsis = new List<Shape>();
        for (int i = 0; i < terms.Length; i++)
        {
            if (c.InputShape(i) is not { } shape)
            {
                c.SetOutputLike(0, 0, null);
                return;
            }
            var term = terms[i];
            int dots = term.IndexOf("...", StringComparison.Ordinal);
            string before = dots < 0 ? term : term[..dots], after = dots < 0 ? "" : term[(dots + 3)..];
            int ellipsisRank = shape.Rank - before.Length - after.Length;
            if (ellipsisRank < 0 || (dots < 0 && ellipsisRank != 0)) throw InferenceContext.Fail($"Einsum term '{term}' does not fit {shape}");
            if (dots >= 0) ellipsis.Add(new Shape(shape.Skip(before.Length).Take(ellipsisRank)));
            var named = before.Select((ch, k) => (ch, shape[k])).Concat(after.Select((ch, k) => (ch, shape[before.Length + ellipsisRank + k])));
            foreach (var (ch, dim) in named)
            {
                counts[ch] = counts.GetValueOrDefault(ch) + 1;
                if (!letters.TryGetValue(ch, out var known)) letters[ch] = dim;
                else if (DimMath.Broadcast(known, dim) is { } merged) letters[ch] = merged;
                else throw InferenceContext.Fail($"Einsum label '{ch}' is {known} and {dim}");
            }
        }
        var broadcast = ellipsis.Count == 0 ? Shape.Scalar : DimMath.Broadcast(ellipsis);
        // Implicit output: the ellipsis, then labels used once, in alphabetical order.
        var output = arrow >= 0 ? equation[(arrow + 2)..] : "..." + new string(counts.Where(p => p.Value == 1).Select(p => p.Key).Order().ToArray());
        var dims = new List<Dim>();
        foreach (var ch in output.Replace("...", "\0", StringComparison.Ordinal))
        {
            if (ch == '\0') dims.AddRange(broadcast);
            else dims.Add(letters.TryGetValue(ch, out var d) ? d : throw InferenceContext.Fail($"Einsum output label '{ch}' is not an input label"));
        }
        c.SetOutputLike(0, 0, new Shape(dims));
    }

    private static void Resize(InferenceContext c)
    {
        var x = c.InputShape(0);
        if (x is null)
        {
            c.SetOutputLike(0, 0, null);
            return;
        }
        // Opset 10 (and Upsample) take scales as input 1; from 11 they are input 2 and sizes input 3.
        bool legacy = c.Node.OpType == "Upsample" || c.Opset < 11;
        var axes = c.Node.GetInts("axes")?.Select(a => DimMath.Axis(a, x.Rank, "Resize axis")).ToArray() ?? Enumerable.Range(0, x.Rank).ToArray();
        var dims = x.ToArray();
        if (!legacy && c.ConstantInts(3) is { Length: > 0 } sizes)
        {
            if (sizes.Length != axes.Length) throw InferenceContext.Fail($"Resize has {sizes.Length} sizes for {axes.Length} axes");
            for (int k = 0; k < axes.Length; k++) dims[axes[k]] = sizes[k];
        }
        else if (ConstantValues.ConstantTensor(c.Node.Input(legacy ? 1 : 2)) is { ElementType: DataType.Float, ElementCount: > 0 } scales)
        {
            var values = scales.AsSpan<float>();
            if (values.Length != axes.Length) throw InferenceContext.Fail($"Resize has {values.Length} scales for {axes.Length} axes");
            for (int k = 0; k < axes.Length; k++)
            {
                var d = dims[axes[k]];
                dims[axes[k]] = values[k] == 1f ? d : d.IsStatic ? (long)Math.Floor(d.Value!.Value * (double)values[k]) : Dim.Unknown;
            }
        }
        else
        {
            dims = DimMath.UnknownShape(x.Rank).ToArray();
        }
        c.SetOutputLike(0, 0, new Shape(dims));
    }
}

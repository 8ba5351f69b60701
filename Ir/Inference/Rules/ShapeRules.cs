namespace Onnxc.Ir.Inference.Rules;

/// <summary>Ops that rearrange dims: Reshape, Transpose, Flatten, Squeeze/Unsqueeze, Expand, Tile, Pad, Shape, Size.</summary>
internal static class ShapeRules
{
    public static void Register(OpRules rules)
    {
        rules.Add("Reshape", ReshapeRule.Infer);
        rules.Add("Transpose", Transpose);
        rules.Add("Flatten", Flatten);
        rules.Add("Squeeze", Squeeze);
        rules.Add("Unsqueeze", Unsqueeze);
        rules.Add("Expand", Expand);
        rules.Add("Tile", Tile);
        rules.Add("Pad", Pad);
        rules.Add("Shape", Shape);
        rules.Add("Size", c => c.SetOutput(0, DataType.Int64, Ir.Shape.Scalar));
    }

    private static void Transpose(InferenceContext c)
    {
        if (c.InputShape(0) is not { } x)
        {
            c.SetOutputLike(0, 0, null);
            return;
        }
        var perm = c.Node.GetInts("perm") ?? Enumerable.Range(0, x.Rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != x.Rank || perm.Distinct().Count() != perm.Length) throw InferenceContext.Fail($"Transpose perm [{string.Join(",", perm)}] does not fit {x}");
        c.SetOutputLike(0, 0, new Shape(perm.Select(p => x[DimMath.Axis(p, x.Rank, "perm entry")])));
    }

    private static void Flatten(InferenceContext c)
    {
        if (c.InputShape(0) is not { } x)
        {
            c.SetOutputLike(0, 0, DimMath.UnknownShape(2));
            return;
        }
        long axisAttr = c.Node.GetInt("axis", 1);
        int axis = (int)(axisAttr < 0 ? axisAttr + x.Rank : axisAttr);
        if (axis < 0 || axis > x.Rank) throw InferenceContext.Fail($"Flatten axis {axisAttr} is out of range for {x}");
        c.SetOutputLike(0, 0, new Shape(new[] { DimMath.Product(x.Take(axis)), DimMath.Product(x.Skip(axis)) }));
    }

    private static void Squeeze(InferenceContext c)
    {
        var x = c.InputShape(0);
        var axes = c.IntsFromInputOrAttribute(1, "axes", out bool known);
        if (x is null || !known)
        {
            c.SetOutputLike(0, 0, null);
            return;
        }
        if (axes is null || axes.Length == 0)
        {
            // Without axes every dim of size 1 goes: only decidable when no dim is unknown.
            c.SetOutputLike(0, 0, x.All(d => d.IsStatic) ? new Shape(x.Where(d => d.Value != 1)) : null);
            return;
        }
        var drop = axes.Select(a => DimMath.Axis(a, x.Rank, "Squeeze axis")).ToHashSet();
        foreach (int a in drop)
        {
            if (x[a].IsStatic && x[a].Value != 1) throw InferenceContext.Fail($"Squeeze axis {a} of {x} is not 1");
        }
        c.SetOutputLike(0, 0, new Shape(x.Where((_, i) => !drop.Contains(i))));
    }

    private static void Unsqueeze(InferenceContext c)
    {
        var x = c.InputShape(0);
        var axes = c.IntsFromInputOrAttribute(1, "axes", out bool known);
        if (x is null || !known || axes is null)
        {
            c.SetOutputLike(0, 0, null);
            return;
        }
        int rank = x.Rank + axes.Length;
        var inserted = axes.Select(a => DimMath.Axis(a, rank, "Unsqueeze axis")).ToHashSet();
        if (inserted.Count != axes.Length) throw InferenceContext.Fail($"Unsqueeze axes [{string.Join(",", axes)}] repeat");
        var dims = new List<Dim>();
        int next = 0;
        for (int i = 0; i < rank; i++) dims.Add(inserted.Contains(i) ? Dim.Of(1) : x[next++]);
        c.SetOutputLike(0, 0, new Shape(dims));
    }

    private static void Expand(InferenceContext c)
    {
        var x = c.InputShape(0);
        var target = TargetShape(c, 1);
        c.SetOutputLike(0, 0, x is null || target is null ? null : DimMath.Broadcast(new[] { x, target }));
    }

    /// <summary>A shape given as a 1-D tensor input: its known (maybe symbolic) values, or unknown dims of its length.</summary>
    internal static Shape? TargetShape(InferenceContext c, int input)
    {
        if (c.ConstantDims(input) is { } dims) return new Shape(dims.Select(d => d.Value < 0 ? throw InferenceContext.Fail($"negative size {d} in shape input") : d));
        return c.InputShape(input) is { Rank: 1 } s && s[0].IsStatic ? DimMath.UnknownShape((int)s[0].Value!.Value) : null;
    }

    private static void Tile(InferenceContext c)
    {
        var x = c.InputShape(0);
        if (x is null)
        {
            c.SetOutputLike(0, 0, null);
            return;
        }
        var repeats = c.ConstantDims(1);
        if (repeats is not null && repeats.Length != x.Rank) throw InferenceContext.Fail($"Tile has {repeats.Length} repeats for {x}");
        c.SetOutputLike(0, 0, repeats is null ? DimMath.UnknownShape(x.Rank) : new Shape(x.Zip(repeats, DimMath.Multiply)));
    }

    private static void Pad(InferenceContext c)
    {
        var x = c.InputShape(0);
        if (x is null)
        {
            c.SetOutputLike(0, 0, null);
            return;
        }
        // Opset 1 called the attribute "paddings"; opset 11 moved pads to an input.
        var pads = c.IntsFromInputOrAttribute(1, "pads", out bool known) ?? c.Node.GetInts("paddings");
        long[]? axes = c.HasInput(3) ? c.ConstantInts(3) : Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray();
        if (pads is null || !known || axes is null)
        {
            c.SetOutputLike(0, 0, DimMath.UnknownShape(x.Rank));
            return;
        }
        if (pads.Length != 2 * axes.Length) throw InferenceContext.Fail($"Pad has {pads.Length} pads for {axes.Length} axes");
        var dims = x.ToArray();
        for (int k = 0; k < axes.Length; k++)
        {
            int a = DimMath.Axis(axes[k], x.Rank, "Pad axis");
            dims[a] = DimMath.Add(dims[a], pads[k] + pads[k + axes.Length]);
        }
        c.SetOutputLike(0, 0, new Shape(dims));
    }

    private static void Shape(InferenceContext c)
    {
        Dim length = Dim.Unknown;
        if (c.InputShape(0) is { } x)
        {
            length = ConstantEvaluator.ShapeRange(x.Rank, c.Node.GetInt("start", 0), c.Node.GetAttribute("end")?.AsInt()).Count;
        }
        c.SetOutput(0, DataType.Int64, new Shape(new[] { length }));
    }
}

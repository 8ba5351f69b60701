namespace Onnxc.Ir.Inference.Rules;

/// <summary>Ops that select or combine along an axis: Gather, GatherElements, Concat, Slice, Split, TopK, ArgMax/ArgMin, NonZero.</summary>
internal static class IndexingRules
{
    public static void Register(OpRules rules)
    {
        rules.Add("Gather", Gather);
        rules.Add("GatherElements", c => c.SetOutputLike(0, 0, c.InputShape(1)));
        rules.Add("Concat", Concat);
        rules.Add("Slice", Slice);
        rules.Add("Split", Split);
        rules.Add("TopK", TopK);
        rules.Add(new[] { "ArgMax", "ArgMin" }, ArgReduce);
        rules.Add("NonZero", c => c.SetOutput(0, DataType.Int64, c.InputRank(0) is { } r ? new Shape(new[] { Dim.Of(r), Dim.Unknown }) : null));
    }

    private static void Gather(InferenceContext c)
    {
        Shape? data = c.InputShape(0), indices = c.InputShape(1);
        if (data is null || indices is null)
        {
            c.SetOutputLike(0, 0, null);
            return;
        }
        int axis = DimMath.Axis(c.Node.GetInt("axis", 0), data.Rank, "Gather axis");
        c.SetOutputLike(0, 0, new Shape(data.Take(axis).Concat(indices).Concat(data.Skip(axis + 1))));
    }

    private static void Concat(InferenceContext c)
    {
        var shapes = Enumerable.Range(0, c.InputCount).Select(c.InputShape).ToList();
        var elementType = Enumerable.Range(0, c.InputCount).Select(c.InputElementType).FirstOrDefault(t => t is not null);
        var known = shapes.Where(s => s is not null).Select(s => s!).ToList();
        if (known.Count == 0)
        {
            c.SetOutput(0, elementType, null);
            return;
        }
        int rank = known[0].Rank;
        if (known.Any(s => s.Rank != rank)) throw InferenceContext.Fail($"Concat inputs differ in rank: {string.Join(", ", known)}");
        int axis = DimMath.Axis(c.Node.GetInt("axis", 0), rank, "Concat axis");
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            if (i == axis)
            {
                dims[i] = shapes.Any(s => s is null) ? Dim.Unknown : known.Select(s => s[axis]).Aggregate(Dim.Of(0), DimMath.Add);
                continue;
            }
            var dim = known[0][i];
            foreach (var s in known.Skip(1))
            {
                if (!DimMath.Compatible(dim, s[i])) throw InferenceContext.Fail($"Concat inputs differ in dim {i}: {string.Join(", ", known)}");
                dim = DimMath.Unify(dim, s[i]);
            }
            dims[i] = dim;
        }
        c.SetOutput(0, elementType, new Shape(dims));
    }

    private static void Slice(InferenceContext c)
    {
        if (c.InputShape(0) is not { } x)
        {
            c.SetOutputLike(0, 0, null);
            return;
        }
        if (!SliceParameters.TryRead(c.Constants, c.Node, x.Rank, out var p))
        {
            // Which axes are cut is unknown, but Slice never changes the rank.
            c.SetOutputLike(0, 0, DimMath.UnknownShape(x.Rank));
            return;
        }
        var dims = x.ToArray();
        for (int k = 0; k < p.Axes.Length; k++) dims[p.Axes[k]] = SliceMath.SlicedDim(x[p.Axes[k]], p.Starts[k], p.Ends[k], p.Steps[k]);
        c.SetOutputLike(0, 0, new Shape(dims));
    }

    private static void Split(InferenceContext c)
    {
        var x = c.InputShape(0);
        int outputs = c.OutputCount;
        if (x is null)
        {
            for (int i = 0; i < outputs; i++) c.SetOutputLike(i, 0, null);
            return;
        }
        int axis = DimMath.Axis(c.Node.GetInt("axis", 0), x.Rank, "Split axis");
        var sizes = SplitSizes(c, x[axis], outputs);
        for (int i = 0; i < outputs; i++)
        {
            var dims = x.ToArray();
            dims[axis] = sizes?[i] ?? Dim.Unknown;
            c.SetOutputLike(i, 0, new Shape(dims));
        }
    }

    /// <summary>Sizes of the parts: the split input (opset 13+) or attribute, else even parts (the last one smaller with num_outputs).</summary>
    private static Dim[]? SplitSizes(InferenceContext c, Dim total, int outputs)
    {
        var split = c.IntsFromInputOrAttribute(1, "split", out bool known);
        if (!known) return null;
        if (split is not null)
        {
            if (split.Length != outputs) throw InferenceContext.Fail($"Split has {split.Length} sizes for {outputs} outputs");
            if (total.IsStatic && split.Sum() != total.Value) throw InferenceContext.Fail($"Split sizes [{string.Join(",", split)}] do not add up to {total}");
            return split.Select(Dim.Of).ToArray();
        }
        if (!total.IsStatic) return outputs == 1 ? new[] { total } : null;
        long n = total.Value!.Value;
        if (c.Node.GetAttribute("num_outputs") is not null)
        {
            long chunk = (n + outputs - 1) / outputs;
            return Enumerable.Range(0, outputs).Select(i => Dim.Of(Math.Max(0, Math.Min(chunk, n - i * chunk)))).ToArray();
        }
        if (n % outputs != 0) throw InferenceContext.Fail($"Split of {n} into {outputs} equal parts");
        return Enumerable.Repeat(Dim.Of(n / outputs), outputs).ToArray();
    }

    private static void TopK(InferenceContext c)
    {
        var x = c.InputShape(0);
        Shape? shape = null;
        if (x is not null)
        {
            int axis = DimMath.Axis(c.Node.GetInt("axis", -1), x.Rank, "TopK axis");
            // k moved from an attribute to input 1 in opset 10.
            long? k = c.HasInput(1) ? c.Constants.TryGetScalar(c.Node.Input(1)) : c.Node.GetAttribute("k")?.AsInt();
            var dims = x.ToArray();
            dims[axis] = k is { } kv ? kv : Dim.Unknown;
            shape = new Shape(dims);
        }
        c.SetOutputLike(0, 0, shape);
        c.SetOutput(1, DataType.Int64, shape);
    }

    private static void ArgReduce(InferenceContext c)
    {
        var x = c.InputShape(0);
        Shape? shape = null;
        if (x is not null)
        {
            int axis = DimMath.Axis(c.Node.GetInt("axis", 0), x.Rank, c.Node.OpType + " axis");
            bool keep = c.Node.GetInt("keepdims", 1) != 0;
            shape = new Shape(x.SelectMany((d, i) => i != axis ? new[] { d } : keep ? new[] { Dim.Of(1) } : Array.Empty<Dim>()));
        }
        c.SetOutput(0, DataType.Int64, shape);
    }
}

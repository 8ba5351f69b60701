namespace Onnxc.Ir.Inference;

/// <summary>
/// Per-op evaluation for <see cref="ConstantValues"/>: the ops shape arithmetic is built from, on small integer
/// tensors whose elements may be symbolic. Returns null when an input or parameter is not known.
/// </summary>
internal static class ConstantEvaluator
{
    public static KnownTensor? Evaluate(ConstantValues values, Node node, Value output)
    {
        if (output.OutputIndex != 0) return null;
        KnownTensor? In(int i) => values.TryGet(node.Input(i));
        switch (node.OpType)
        {
            case "Constant": return FromConstant(values, node);
            case "Identity": return In(0);
            case "Shape": return ShapeOf(node);
            case "Size":
                return node.Input(0)?.Shape is { } sizeOf ? KnownTensor.Scalar(DataType.Int64, DimMath.Product(sizeOf)) : null;
            case "Unsqueeze" or "Squeeze" or "Reshape" or "Flatten":
                // The element order never changes; the new dims come from the already inferred output shape.
                return In(0) is { } data && output.Shape?.StaticDims is { } dims && dims.Aggregate(1L, (a, d) => a * d) == data.Elements.Length
                    ? KnownTensorOps.Reshape(data, dims) : null;
            case "Cast": return Cast(In(0), (DataType)node.GetInt("to", 0));
            case "Gather": return Gather(In(0), In(1), node.GetInt("axis", 0));
            case "Concat":
                {
                    var parts = node.Inputs.Select(values.TryGet).ToList();
                    if (parts.Count == 0 || parts.Any(p => p is null)) return null;
                    int axis = DimMath.Axis(node.GetInt("axis", 0), parts[0]!.Rank);
                    return KnownTensorOps.Concat(parts!, axis);
                }
            case "Slice": return Slice(values, node, In(0));
            case "Range": return Range(In(0), In(1), In(2));
            case "ConstantOfShape": return ConstantOfShape(values, node, In(0));
            case "Neg": return Unary(In(0), d => d.IsStatic ? -d.Value!.Value : Dim.Unknown);
            case "Abs": return Unary(In(0), d => d.IsStatic ? Math.Abs(d.Value!.Value) : d.Symbol is not null ? d : Dim.Unknown);
            case "Not": return Unary(In(0), d => d.IsStatic ? (d.Value == 0 ? 1 : 0) : Dim.Unknown, DataType.Bool);
            case "Add" or "Sub" or "Mul" or "Div" or "Mod" or "Min" or "Max":
                return Arithmetic(node, node.Inputs.Select(values.TryGet).ToList());
            case "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "And" or "Or":
                return Compare(node.OpType, In(0), In(1));
            case "Where":
                {
                    KnownTensor? c = In(0), a = In(1), b = In(2);
                    if (c is null || a is null || b is null) return null;
                    return KnownTensorOps.Map(a.ElementType, new[] { c, a, b }, x => x[0].IsStatic ? (x[0].Value != 0 ? x[1] : x[2]) : x[1] == x[2] ? x[1] : Dim.Unknown);
                }
            default: return null;
        }
    }

    private static KnownTensor? FromConstant(ConstantValues values, Node node)
    {
        if (node.GetAttribute("value") is { Kind: AttributeKind.Tensor } tensor) return values.FromTensor(tensor.AsTensor());
        if (node.GetAttribute("value_int") is { } one) return KnownTensor.Scalar(DataType.Int64, one.AsInt());
        if (node.GetAttribute("value_ints") is { } many) return KnownTensor.Vector(DataType.Int64, many.AsInts().Select(Dim.Of).ToArray());
        return null;
    }

    private static KnownTensor? ShapeOf(Node node)
    {
        if (node.Input(0)?.Shape is not { } shape) return null;
        var (start, count) = ShapeRange(shape.Rank, node.GetInt("start", 0), node.GetAttribute("end")?.AsInt());
        return KnownTensor.Vector(DataType.Int64, shape.Skip((int)start).Take((int)count).ToArray());
    }

    /// <summary>Shape's start/end attributes (opset 15): negative counts from the back, both clamp to [0, rank].</summary>
    public static (long Start, long Count) ShapeRange(int rank, long start, long? end)
    {
        long s = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        long e = end is { } v ? Math.Clamp(v < 0 ? v + rank : v, 0, rank) : rank;
        return (s, Math.Max(0, e - s));
    }

    private static KnownTensor? Cast(KnownTensor? input, DataType to)
    {
        if (input is null || !(to.IsInteger() || to == DataType.Bool)) return null;
        return new KnownTensor(to, input.Dims, input.Elements.Select(e => !e.IsStatic ? e : Dim.Of(Convert(e.Value!.Value, to))).ToArray());
    }

    private static long Convert(long v, DataType to) => to switch
    {
        DataType.Bool => v != 0 ? 1 : 0,
        DataType.Int32 => unchecked((int)v),
        DataType.Int16 => unchecked((short)v),
        DataType.Int8 => unchecked((sbyte)v),
        DataType.UInt8 => unchecked((byte)v),
        DataType.UInt16 => unchecked((ushort)v),
        DataType.UInt32 => unchecked((uint)v),
        _ => v,
    };

    private static KnownTensor? Gather(KnownTensor? data, KnownTensor? indices, long axisAttr)
    {
        if (data is null || indices?.Values is not { } idx || data.Rank == 0) return null;
        int axis = DimMath.Axis(axisAttr, data.Rank);
        long length = data.Dims[axis];
        var picked = idx.Select(i => i < 0 ? i + length : i).ToList();
        if (picked.Any(i => i < 0 || i >= length)) throw new ShapeInferenceException($"Gather index out of range for dim {length}");
        var lists = data.Dims.Select(d => (IReadOnlyList<long>)Enumerable.Range(0, (int)d).Select(i => (long)i).ToList()).ToArray();
        lists[axis] = picked;
        var selected = KnownTensorOps.Select(data, lists);
        var dims = data.Dims.Take(axis).Concat(indices.Dims).Concat(data.Dims.Skip(axis + 1)).ToArray();
        return KnownTensorOps.Reshape(selected, dims);
    }

    private static KnownTensor? Slice(ConstantValues values, Node node, KnownTensor? data)
    {
        if (data is null || !SliceParameters.TryRead(values, node, data.Rank, out var p)) return null;
        var lists = data.Dims.Select(d => (IReadOnlyList<long>)Enumerable.Range(0, (int)d).Select(i => (long)i).ToList()).ToArray();
        for (int k = 0; k < p.Axes.Length; k++)
        {
            var (start, count) = SliceMath.Resolve(data.Dims[p.Axes[k]], p.Starts[k], p.Ends[k], p.Steps[k]);
            long step = p.Steps[k];
            lists[p.Axes[k]] = Enumerable.Range(0, (int)count).Select(i => start + i * step).ToList();
        }
        return KnownTensorOps.Select(data, lists);
    }

    private static KnownTensor? Range(KnownTensor? start, KnownTensor? limit, KnownTensor? delta)
    {
        if (start?.Values is not [var s] || limit?.Values is not [var l] || delta?.Values is not [var d] || d == 0) return null;
        long count = Math.Max(0, (long)Math.Ceiling((double)(l - s) / d));
        if (count > int.MaxValue) return null;
        return KnownTensor.Vector(start.ElementType, Enumerable.Range(0, (int)count).Select(i => Dim.Of(s + i * d)).ToArray());
    }

    private static KnownTensor? ConstantOfShape(ConstantValues values, Node node, KnownTensor? shape)
    {
        if (shape?.Values is not { } dims || dims.Any(d => d < 0)) return null;
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (count > values.MaxElements) return null;
        if (node.GetAttribute("value") is not { Kind: AttributeKind.Tensor } attr || values.FromTensor(attr.AsTensor()) is not { Elements: [var fill] } element)
        {
            return null; // the default fill is float 0, which is not an integer tensor
        }
        return new KnownTensor(element.ElementType, dims, Enumerable.Repeat(fill, (int)count).ToArray());
    }

    private static KnownTensor? Unary(KnownTensor? input, Func<Dim, Dim> op, DataType? resultType = null) =>
        input is null ? null : new KnownTensor(resultType ?? input.ElementType, input.Dims, input.Elements.Select(op).ToArray());

    private static KnownTensor? Arithmetic(Node node, List<KnownTensor?> inputs)
    {
        if (inputs.Count == 0 || inputs.Any(i => i is null)) return null;
        bool pythonMod = node.GetInt("fmod", 0) == 0;
        Func<Dim, Dim, Dim> op = node.OpType switch
        {
            "Add" => DimMath.Add,
            "Mul" => DimMath.Multiply,
            "Sub" => DimMath.Subtract,
            "Div" => (a, b) => a.IsStatic && b.IsStatic ? a.Value!.Value / b.Value!.Value : b.Value == 1 ? a : SameSymbol(a, b) ? 1 : Dim.Unknown,
            "Mod" => (a, b) => a.IsStatic && b.IsStatic ? Mod(a.Value!.Value, b.Value!.Value, pythonMod) : Dim.Unknown,
            "Min" => (a, b) => a.IsStatic && b.IsStatic ? Math.Min(a.Value!.Value, b.Value!.Value) : SameSymbol(a, b) ? a : Dim.Unknown,
            _ => (a, b) => a.IsStatic && b.IsStatic ? Math.Max(a.Value!.Value, b.Value!.Value) : SameSymbol(a, b) ? a : Dim.Unknown,
        };
        return KnownTensorOps.Map(inputs[0]!.ElementType, inputs!, args => args.Skip(1).Aggregate(args[0], op));
    }

    private static long Mod(long a, long b, bool python)
    {
        long r = a % b;
        return python && r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }

    private static KnownTensor? Compare(string op, KnownTensor? a, KnownTensor? b)
    {
        if (a is null || b is null) return null;
        return KnownTensorOps.Map(DataType.Bool, new[] { a, b }, x =>
        {
            Dim l = x[0], r = x[1];
            if (op == "Equal" && SameSymbol(l, r)) return 1;
            // A symbolic element is always some tensor's dimension (symbols enter only through Shape and pass only
            // through identities), so it is ≥ 0: against a negative constant the comparison is decided. torch writes
            // expand(-1) as Where(Equal(size, -1), 1, size), and this keeps the batch symbol through it.
            if (DecidedAgainstNegative(op, l, r) is { } decided) return decided ? 1 : 0;
            if (!l.IsStatic || !r.IsStatic) return Dim.Unknown;
            long p = l.Value!.Value, q = r.Value!.Value;
            bool result = op switch
            {
                "Equal" => p == q,
                "Less" => p < q,
                "Greater" => p > q,
                "LessOrEqual" => p <= q,
                "GreaterOrEqual" => p >= q,
                "And" => p != 0 && q != 0,
                _ => p != 0 || q != 0,
            };
            return result ? 1 : 0;
        });
    }

    /// <summary>l op r when one side is a symbolic (non-negative) dim and the other a negative constant; else null.</summary>
    private static bool? DecidedAgainstNegative(string op, Dim l, Dim r)
    {
        bool leftBelow = l.IsStatic && l.Value < 0 && r.Symbol is not null;
        bool rightBelow = r.IsStatic && r.Value < 0 && l.Symbol is not null;
        if (!leftBelow && !rightBelow) return null;
        return op switch
        {
            "Equal" => false,
            "Less" or "LessOrEqual" => leftBelow,
            "Greater" or "GreaterOrEqual" => rightBelow,
            _ => null,
        };
    }

    private static bool SameSymbol(Dim a, Dim b) => a.Symbol is not null && a.Symbol == b.Symbol;
}

using Onnxc.Ir;
using Onnxc.Ir.Inference;

namespace Onnxc.Passes.Cleanup.Folding;

/// <summary>
/// Computes the first output of a default-domain node from constant inputs: shape arithmetic, data movement and
/// float/integer elementwise math. Returns null whenever the op, an attribute or a type is not handled, so the
/// caller simply keeps the node.
/// </summary>
internal static class FoldEvaluator
{
    /// <summary>Ops the evaluator knows; the pass skips every other node without looking at its inputs.</summary>
    public static readonly IReadOnlySet<string> Ops = new HashSet<string>(StringComparer.Ordinal)
    {
        "Identity", "Shape", "Size", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat", "Gather", "Slice",
        "Transpose", "Cast", "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Sqrt", "Abs", "Equal", "Less", "Greater",
        "LessOrEqual", "GreaterOrEqual", "Where", "Range", "ConstantOfShape", "Expand", "Tile",
    };

    /// <summary>Ops that only read their first input's type (Shape, Size), so that input need not be constant.</summary>
    public static bool ReadsOnlyShape(string op) => op is "Shape" or "Size";

    public static HostTensor? Evaluate(Node node, IReadOnlyList<HostTensor?> inputs, long opset)
    {
        HostTensor? In(int i) => i < inputs.Count ? inputs[i] : null;
        switch (node.OpType)
        {
            case "Identity": return In(0);
            case "Shape": return ShapeOf(node);
            case "Size": return node.Input(0)?.Shape?.ElementCount is { } size ? HostTensor.Of(Array.Empty<long>(), new[] { size }) : null;
            case "Reshape": return In(0) is { } data && In(1)?.AsInt64s() is { } target ? Reshape(data, target, node.GetInt("allowzero", 0) != 0) : null;
            case "Flatten": return Flatten(In(0), node.GetInt("axis", 1));
            case "Squeeze": return Squeeze(In(0), opset >= 13 ? (node.Input(1) is null ? null : In(1)?.AsInt64s() ?? Array.Empty<long>()) : node.GetInts("axes"), opset >= 13 && node.Input(1) is not null && In(1) is null);
            case "Unsqueeze": return Unsqueeze(In(0), opset >= 13 ? In(1)?.AsInt64s() : node.GetInts("axes"));
            case "Concat": return Concat(inputs, node.GetInt("axis", 0));
            case "Gather": return Gather(In(0), In(1)?.AsInt64s(), In(1)?.Dims, node.GetInt("axis", 0));
            case "Slice": return Slice(node, inputs, opset);
            case "Transpose": return Transpose(In(0), node.GetInts("perm"));
            case "Cast": return In(0) is { } castInput ? CastMath.Cast(castInput, (DataType)node.GetInt("to", 0)) : null;
            case "Add" or "Sub" or "Mul" or "Div" or "Pow":
                return In(0) is { } a && In(1) is { } b ? ElementwiseMath.Binary(node.OpType, a, b) : null;
            case "Neg" or "Sqrt" or "Abs": return In(0) is { } x ? ElementwiseMath.Unary(node.OpType, x) : null;
            case "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual":
                return In(0) is { } l && In(1) is { } r ? ElementwiseMath.Compare(node.OpType, l, r) : null;
            case "Where": return Where(In(0), In(1), In(2));
            case "Range": return Range(In(0), In(1), In(2));
            case "ConstantOfShape": return ConstantOfShape(node, In(0)?.AsInt64s());
            case "Expand": return Expand(In(0), In(1)?.AsInt64s());
            case "Tile": return Tile(In(0), In(1)?.AsInt64s());
            default: return null;
        }
    }

    private static HostTensor? ShapeOf(Node node)
    {
        if (node.Input(0)?.Shape is not { } shape) return null;
        // Shape's start/end (opset 15): negative counts from the back, both clamp to [0, rank]. Only the selected
        // dims need to be static, so Shape(x, start=1) of [batch,3,4] folds to [3,4].
        int rank = shape.Rank;
        long start = node.GetInt("start", 0), end = node.GetAttribute("end")?.AsInt() ?? rank;
        start = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        end = Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        var selected = shape.Skip((int)start).Take((int)Math.Max(0, end - start)).ToList();
        if (selected.Any(d => !d.IsStatic)) return null;
        return HostTensor.Of(new[] { (long)selected.Count }, selected.Select(d => d.Value!.Value).ToArray());
    }

    private static HostTensor? Reshape(HostTensor data, long[] target, bool allowZero)
    {
        var dims = new long[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1)
            {
                if (inferred >= 0) return null;
                inferred = i;
                dims[i] = 1;
            }
            else if (target[i] == 0 && !allowZero)
            {
                if (i >= data.Rank) return null;
                dims[i] = data.Dims[i];
            }
            else if (target[i] < 0) return null;
            else dims[i] = target[i];
        }
        long known = IndexMath.Product(dims);
        if (inferred >= 0)
        {
            if (known == 0 || data.Count % known != 0) return null;
            dims[inferred] = data.Count / known;
        }
        return IndexMath.Product(dims) == data.Count ? data.WithDims(dims) : null;
    }

    private static HostTensor? Flatten(HostTensor? data, long axisAttribute)
    {
        if (data is null) return null;
        long axis = axisAttribute < 0 ? axisAttribute + data.Rank : axisAttribute;
        if (axis < 0 || axis > data.Rank) return null;
        return data.WithDims(new[] { IndexMath.Product(data.Dims.Take((int)axis)), IndexMath.Product(data.Dims.Skip((int)axis)) });
    }

    private static HostTensor? Squeeze(HostTensor? data, long[]? axes, bool axesUnknown)
    {
        if (data is null || axesUnknown) return null;
        var drop = new HashSet<int>();
        if (axes is null || axes.Length == 0)
        {
            for (int a = 0; a < data.Rank; a++) if (data.Dims[a] == 1) drop.Add(a);
        }
        else
        {
            foreach (var axis in axes)
            {
                if (IndexMath.Axis(axis, data.Rank) is not { } a || data.Dims[a] != 1) return null;
                drop.Add(a);
            }
        }
        return data.WithDims(data.Dims.Where((_, a) => !drop.Contains(a)).ToArray());
    }

    private static HostTensor? Unsqueeze(HostTensor? data, long[]? axes)
    {
        if (data is null || axes is null) return null;
        int rank = data.Rank + axes.Length;
        var inserted = new HashSet<int>();
        foreach (var axis in axes)
        {
            if (IndexMath.Axis(axis, rank) is not { } a || !inserted.Add(a)) return null;
        }
        var dims = new long[rank];
        int source = 0;
        for (int a = 0; a < rank; a++) dims[a] = inserted.Contains(a) ? 1 : data.Dims[source++];
        return data.WithDims(dims);
    }

    private static HostTensor? Concat(IReadOnlyList<HostTensor?> parts, long axisAttribute)
    {
        if (parts.Count == 0 || parts.Any(p => p is null)) return null;
        var first = parts[0]!;
        if (IndexMath.Axis(axisAttribute, first.Rank) is not { } axis) return null;
        foreach (var part in parts)
        {
            if (part!.ElementType != first.ElementType || part.Rank != first.Rank) return null;
            for (int a = 0; a < first.Rank; a++) if (a != axis && part.Dims[a] != first.Dims[a]) return null;
        }
        var dims = first.Dims.ToArray();
        dims[axis] = parts.Sum(p => p!.Dims[axis]);
        long outer = IndexMath.Product(first.Dims.Take(axis));
        using var bytes = new MemoryStream();
        for (long o = 0; o < outer; o++)
        {
            foreach (var part in parts)
            {
                long chunk = IndexMath.Product(part!.Dims.Skip(axis)) * part.ElementSize;
                bytes.Write(part.Bytes, (int)(o * chunk), (int)chunk);
            }
        }
        return new HostTensor(first.ElementType, dims, bytes.ToArray());
    }

    private static HostTensor? Gather(HostTensor? data, long[]? indices, long[]? indexDims, long axisAttribute)
    {
        if (data is null || indices is null || indexDims is null || IndexMath.Axis(axisAttribute, data.Rank) is not { } axis) return null;
        long length = data.Dims[axis];
        var picked = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            long index = indices[i] < 0 ? indices[i] + length : indices[i];
            if (index < 0 || index >= length) return null; // out of range is a run-time error: keep it there
            picked[i] = index;
        }
        var perAxis = data.Dims.Select(IndexMath.All).ToArray();
        perAxis[axis] = picked;
        var selected = data.Gather(perAxis.Select(l => (long)l.Length).ToArray(), IndexMath.Select(data.Dims, perAxis));
        return selected.WithDims(data.Dims.Take(axis).Concat(indexDims).Concat(data.Dims.Skip(axis + 1)).ToArray());
    }

    private static HostTensor? Slice(Node node, IReadOnlyList<HostTensor?> inputs, long opset)
    {
        if (inputs.Count == 0 || inputs[0] is not { } data) return null;
        long[]? starts, ends, axes, steps;
        if (opset >= 10)
        {
            HostTensor? At(int i) => i < inputs.Count ? inputs[i] : null;
            starts = At(1)?.AsInt64s();
            ends = At(2)?.AsInt64s();
            axes = node.Input(3) is null ? null : At(3)?.AsInt64s() ?? Array.Empty<long>();
            steps = node.Input(4) is null ? null : At(4)?.AsInt64s() ?? Array.Empty<long>();
            if ((node.Input(3) is not null && At(3) is null) || (node.Input(4) is not null && At(4) is null)) return null;
        }
        else
        {
            (starts, ends, axes, steps) = (node.GetInts("starts"), node.GetInts("ends"), node.GetInts("axes"), null);
        }
        if (starts is null || ends is null || starts.Length != ends.Length) return null;
        axes ??= IndexMath.All(starts.Length);
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        if (axes.Length != starts.Length || steps.Length != starts.Length) return null;
        var perAxis = data.Dims.Select(IndexMath.All).ToArray();
        for (int k = 0; k < starts.Length; k++)
        {
            if (IndexMath.Axis(axes[k], data.Rank) is not { } axis || steps[k] == 0) return null;
            var (start, count) = SliceMath.Resolve(data.Dims[axis], starts[k], ends[k], steps[k]);
            long step = steps[k];
            perAxis[axis] = Enumerable.Range(0, (int)count).Select(i => start + i * step).ToArray();
        }
        return data.Gather(perAxis.Select(l => (long)l.Length).ToArray(), IndexMath.Select(data.Dims, perAxis));
    }

    private static HostTensor? Transpose(HostTensor? data, long[]? permAttribute)
    {
        if (data is null) return null;
        var perm = permAttribute?.Select(p => (int)p).ToArray() ?? Enumerable.Range(0, data.Rank).Reverse().ToArray();
        if (perm.Length != data.Rank || perm.OrderBy(p => p).Where((p, i) => p != i).Any()) return null;
        var sources = IndexMath.Transpose(data.Dims, perm, out var dims);
        return data.Gather(dims, sources);
    }

    private static HostTensor? Where(HostTensor? condition, HostTensor? x, HostTensor? y)
    {
        if (condition is null || x is null || y is null || condition.ElementType != DataType.Bool || x.ElementType != y.ElementType) return null;
        if (IndexMath.Broadcast(new[] { condition.Dims, x.Dims, y.Dims }) is not { } dims) return null;
        var ic = IndexMath.BroadcastSources(condition.Dims, dims);
        var ix = IndexMath.BroadcastSources(x.Dims, dims);
        var iy = IndexMath.BroadcastSources(y.Dims, dims);
        // Concatenate x and y so one gather picks from either: y's indices are offset by x's element count.
        var both = new HostTensor(x.ElementType, new[] { x.Count + y.Count }, x.Bytes.Concat(y.Bytes).ToArray());
        var sources = new long[ic.Length];
        for (long i = 0; i < sources.LongLength; i++) sources[i] = condition.Bytes[ic[i]] != 0 ? ix[i] : x.Count + iy[i];
        return both.Gather(dims, sources);
    }

    /// <summary>ONNX Runtime's Range: count = ceil((limit - start) / delta) in double, values by repeated addition in T.</summary>
    private static HostTensor? Range(HostTensor? start, HostTensor? limit, HostTensor? delta)
    {
        if (start is not { Count: 1 } || limit is not { Count: 1 } || delta is not { Count: 1 }) return null;
        if (start.ElementType != limit.ElementType || start.ElementType != delta.ElementType) return null;
        switch (start.ElementType)
        {
            case DataType.Float:
                {
                    float s = start.Span<float>()[0], l = limit.Span<float>()[0], d = delta.Span<float>()[0];
                    if (d == 0 || !float.IsFinite(s) || !float.IsFinite(l) || !float.IsFinite(d)) return null;
                    long n = Count((double)(l - s), d);
                    if (n > int.MaxValue) return null;
                    var values = new float[n];
                    float v = s;
                    for (long i = 0; i < n; i++, v += d) values[i] = v;
                    return HostTensor.Of(new[] { n }, values);
                }
            case DataType.Int64 or DataType.Int32:
                {
                    long s = start.AsInt64s()![0], l = limit.AsInt64s()![0], d = delta.AsInt64s()![0];
                    if (d == 0) return null;
                    long n = Count(l - s, d);
                    if (n > int.MaxValue) return null;
                    var values = Enumerable.Range(0, (int)n).Select(i => s + i * d).ToArray();
                    return start.ElementType == DataType.Int64
                        ? HostTensor.Of(new[] { n }, values)
                        : HostTensor.Of(new[] { n }, values.Select(v => (int)v).ToArray());
                }
            default: return null;
        }
    }

    private static long Count(double span, double delta) => Math.Max(0, (long)Math.Ceiling(span / delta));

    private static HostTensor? ConstantOfShape(Node node, long[]? shape)
    {
        if (shape is null || shape.Any(d => d < 0)) return null;
        HostTensor fill = HostTensor.Of(new[] { 1L }, new[] { 0f });
        if (node.GetAttribute("value") is { Kind: AttributeKind.Tensor } attribute)
        {
            if (HostTensor.FromTensor(attribute.AsTensor()) is not { Count: 1 } given) return null;
            fill = given;
        }
        long count = IndexMath.Product(shape);
        return fill.Gather(shape, new long[count]);
    }

    private static HostTensor? Expand(HostTensor? data, long[]? shape)
    {
        if (data is null || shape is null || shape.Any(d => d < 0)) return null;
        if (IndexMath.Broadcast(new[] { data.Dims, shape }) is not { } dims) return null;
        return data.Gather(dims, IndexMath.BroadcastSources(data.Dims, dims));
    }

    private static HostTensor? Tile(HostTensor? data, long[]? repeats)
    {
        if (data is null || repeats is null || repeats.Length != data.Rank || repeats.Any(r => r < 0)) return null;
        var perAxis = data.Dims.Select((d, a) => Enumerable.Range(0, (int)(d * repeats[a])).Select(i => i % d).ToArray()).ToArray();
        return data.Gather(perAxis.Select(l => (long)l.Length).ToArray(), IndexMath.Select(data.Dims, perAxis));
    }
}

using Onnxc.Ir;

namespace Onnxc.Passes.Cleanup;

/// <summary>
/// Bypasses nodes that return their input unchanged: Reshape/Expand/Squeeze/Unsqueeze to the same shape, identity
/// Transpose, Cast to the same type, full Slice, single-input Concat, zero Pad, and x+0, x-0, x*1, x/1 where the
/// constant does not broadcast the result to another shape or type. Shapes come from inference (run infer-shapes first).
/// </summary>
public sealed class RemoveNoOps : IPass
{
    public string Name => "remove-no-ops";

    public string Description => "bypass Reshape/Transpose/Cast/Expand/Slice/Pad/Concat and x+0, x*1 nodes that change nothing";

    public PassResult Run(Model model, PassContext context)
    {
        int removed = 0;
        long opset = model.OpsetVersion("") ?? 21;
        foreach (var graph in GraphWalk.AllGraphs(model))
        {
            foreach (var node in graph.Nodes.ToList())
            {
                if (node.Domain.Length > 0 || node.Outputs.Count != 1 || PassThroughInput(node, opset) is not { } source) continue;
                var output = node.Output();
                // A graph output must keep its own name and value: only a computed value in this graph can take the name over.
                if (output.IsGraphOutput && (source.IsGraphOutput || source.Producer is null || source.Graph != graph)) continue;
                if (!SameType(source, output)) continue;
                output.ReplaceAllUsesWith(source);
                graph.Remove(node);
                removed++;
            }
        }
        return PassResult.Of(("removed-nodes", removed));
    }

    /// <summary>The input the node passes through unchanged, or null when it may change something.</summary>
    private static Value? PassThroughInput(Node node, long opset)
    {
        var x = node.Input(0);
        if (x is null) return null;
        return node.OpType switch
        {
            "Reshape" or "Expand" or "Squeeze" or "Unsqueeze" or "Flatten" => SameShape(x, node.Output()) ? x : null,
            "Transpose" => IsIdentityPermutation(node, x) ? x : null,
            "Cast" => x.ElementType is { } type && (long)type == node.GetInt("to", -1) ? x : null,
            "Slice" => IsFullSlice(node, x, opset) ? x : null,
            "Concat" => node.Inputs.Count == 1 ? x : null,
            "Pad" => IsZeroPad(node, opset) ? x : null,
            "Add" => NeutralOperand(node, 0f, commutative: true),
            "Sub" => NeutralOperand(node, 0f, commutative: false),
            "Mul" => NeutralOperand(node, 1f, commutative: true),
            "Div" => NeutralOperand(node, 1f, commutative: false),
            _ => null,
        };
    }

    /// <summary>
    /// x+0, 0+x, x-0, x*1, 1*x, x/1, when the constant is all zeros (ones) and the output has x's shape and type.
    /// Note on signed zero: x + (+0.0) turns -0.0 into +0.0, so removing it keeps a -0.0 that the original mapped to
    /// +0.0. We accept that (the values compare equal; ONNX Runtime's own optimizer removes these nodes too); x - 0,
    /// x * 1 and x / 1 are exact, NaN included.
    /// </summary>
    private static Value? NeutralOperand(Node node, float neutral, bool commutative)
    {
        if (node.Inputs.Count != 2 || node.Input(0) is not { } a || node.Input(1) is not { } b) return null;
        if (IsAll(b, neutral) && SameShape(a, node.Output())) return a;
        if (commutative && IsAll(a, neutral) && SameShape(b, node.Output())) return b;
        return null;
    }

    private static bool IsAll(Value value, float neutral)
    {
        if (value.Initializer is not { } tensor || value.IsGraphInput || tensor.ElementCount > 4096) return false;
        return tensor.ElementType switch
        {
            DataType.Float => tensor.AsSpan<float>().ToArray().All(v => v == neutral),
            DataType.Double => tensor.AsSpan<double>().ToArray().All(v => v == neutral),
            DataType.Float16 => tensor.AsSpan<Half>().ToArray().All(v => (float)v == neutral),
            DataType.Int64 => tensor.AsSpan<long>().ToArray().All(v => v == neutral),
            DataType.Int32 => tensor.AsSpan<int>().ToArray().All(v => v == neutral),
            _ => false,
        };
    }

    /// <summary>Both shapes fully known (static numbers or named dims) and equal.</summary>
    private static bool SameShape(Value a, Value b) =>
        a.Shape is { } sa && b.Shape is { } sb && sa.All(d => d.IsStatic || d.Symbol is not null) && sa.Equals(sb);

    private static bool SameType(Value a, Value b) => a.Type is TensorType ta && b.Type is TensorType tb && ta.ElementType == tb.ElementType;

    private static bool IsIdentityPermutation(Node node, Value x)
    {
        if (node.GetInts("perm") is { } perm) return perm.Select((p, i) => p == i).All(same => same);
        return x.Shape is { Rank: <= 1 }; // the default perm reverses the axes, which is the identity only for rank <= 1
    }

    /// <summary>Every step is 1 and the result has the input's static shape, so the slice selects everything in order.</summary>
    private static bool IsFullSlice(Node node, Value x, long opset)
    {
        if (x.Shape?.StaticDims is not { } dims || node.Output().Shape?.StaticDims is not { } outDims || !dims.SequenceEqual(outDims)) return false;
        if (opset < 10) return true; // no steps before opset 10
        if (node.Input(4) is not { } steps) return true;
        return steps.Initializer is { } tensor && !steps.IsGraphInput && ReadIntegers(tensor) is { } values && values.All(v => v == 1);
    }

    private static bool IsZeroPad(Node node, long opset)
    {
        long[]? pads = opset >= 11
            ? node.Input(1) is { Initializer: { } tensor } p && !p.IsGraphInput ? ReadIntegers(tensor) : null
            : node.GetInts("pads");
        return pads is not null && pads.All(v => v == 0);
    }

    private static long[]? ReadIntegers(Tensor tensor) => tensor.ElementType switch
    {
        DataType.Int64 => tensor.ToArray<long>(),
        DataType.Int32 => tensor.AsSpan<int>().ToArray().Select(v => (long)v).ToArray(),
        _ => null,
    };
}

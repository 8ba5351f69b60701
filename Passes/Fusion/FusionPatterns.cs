using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>Questions the fusion rules share: are intermediates private to the pattern, is a constant a usable norm weight.</summary>
public static class FusionPatterns
{
    /// <summary>
    /// Whether only <paramref name="readers"/> read <paramref name="value"/> (and it is not a graph output), so the
    /// nodes producing it may disappear once the pattern is fused.
    /// </summary>
    public static bool ReadOnlyBy(Value value, params Node[] readers) =>
        !value.IsGraphOutput && value.Uses.All(u => readers.Any(r => ReferenceEquals(r, u.Node)));

    /// <summary>The first matched value that has a reader outside <paramref name="pattern"/>, or null when all are private.</summary>
    public static Value? FirstEscapingValue(IEnumerable<Value> intermediates, IReadOnlyCollection<Node> pattern) =>
        intermediates.FirstOrDefault(v => !ReadOnlyBy(v, pattern.ToArray()));

    /// <summary>
    /// The producer of <paramref name="value"/> when it is a <paramref name="op"/>, else null; the one-line
    /// spelling rules use while walking up a chain.
    /// </summary>
    public static Node? Op(Value? value, string op, string domain = "") => Patterns.Producer(value, op, domain);

    /// <summary>Of the two inputs of a commutative binary node, the one that is a scalar constant, with the other.</summary>
    public static (Value Other, double Constant)? SplitScalar(Node binary)
    {
        if (binary.Inputs.Count != 2 || binary.Input(0) is not { } a || binary.Input(1) is not { } b) return null;
        if (Patterns.ScalarConstant(b) is { } cb) return (a, cb);
        if (Patterns.ScalarConstant(a) is { } ca) return (b, ca);
        return null;
    }

    /// <summary>Of the two inputs of a commutative binary node, the one that is a constant tensor, with the other.</summary>
    public static (Value Other, Value Constant)? SplitConstant(Node binary)
    {
        if (binary.Inputs.Count != 2 || binary.Input(0) is not { } a || binary.Input(1) is not { } b) return null;
        if (Patterns.ConstantTensor(b) is not null) return (a, b);
        if (Patterns.ConstantTensor(a) is not null) return (b, a);
        return null;
    }

    /// <summary>Whether <paramref name="value"/> equals <paramref name="expected"/> within fp32 rounding.</summary>
    public static bool Near(double value, double expected, double relative = 1e-4) =>
        Math.Abs(value - expected) <= relative * Math.Max(1e-12, Math.Abs(expected));

    /// <summary>
    /// Why a constant cannot be the per-channel weight (gamma, beta, RMS scale) of a norm over the last axis of
    /// <paramref name="input"/>, or null when it is a 1-D float vector whose length matches the last dimension.
    /// </summary>
    public static string? NormWeightProblem(Value weight, Value input, string role)
    {
        var tensor = Patterns.ConstantTensor(weight);
        if (tensor is null) return $"{role} is not a constant";
        if (tensor.Rank != 1) return $"{role} has shape [{string.Join(",", tensor.Dims)}], not a 1-D vector over the last axis";
        if (tensor.ElementType is not (DataType.Float or DataType.Float16 or DataType.BFloat16 or DataType.Double))
        {
            return $"{role} is {tensor.ElementType}, not a float type";
        }
        if (LastDim(input) is { } last && last != tensor.Dims[0])
        {
            return $"{role} has {tensor.Dims[0]} elements but the normalized axis has {last}";
        }
        return null;
    }

    /// <summary>The static size of the last axis of a value, when its shape says.</summary>
    public static long? LastDim(Value value) =>
        value.Shape is { Rank: > 0 } shape && shape[shape.Rank - 1].IsStatic ? shape[shape.Rank - 1].Value : null;

    /// <summary>Whether a Reduce* node keeps the reduced axes (the default) — the normalization needs the broadcast shape.</summary>
    public static bool KeepsDims(Node reduce) => reduce.GetInt("keepdims", 1) == 1;

    /// <summary>
    /// Why a ReduceMean is not a mean over the last axis of <paramref name="input"/> with kept dims, or null when it is.
    /// </summary>
    public static string? LastAxisMeanProblem(Node reduce, Value input)
    {
        var axes = Patterns.ReduceAxes(reduce);
        if (axes is null) return $"{reduce} has no constant axes";
        if (!Patterns.IsLastAxis(axes, Patterns.Rank(input))) return $"{reduce} axes [{string.Join(",", axes)}] is not the last axis";
        if (!KeepsDims(reduce)) return $"{reduce} has keepdims=0";
        return null;
    }
}

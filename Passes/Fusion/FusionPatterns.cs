using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>Questions the fusion rules share: are intermediates private to the pattern, is a constant a usable norm weight.</summary>
public static class FusionPatterns
{
    /// <summary>ONNX Runtime's contrib operator domain.</summary>
    public const string MicrosoftDomain = "com.microsoft";

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
        if (!Patterns.IsLastAxis(axes, Patterns.Rank(input)))
        {
            return $"{reduce} axes [{string.Join(",", axes)}] is not the last axis{(Patterns.Rank(input) is null && axes is [>= 0] ? " (input rank unknown)" : "")}";
        }
        if (!KeepsDims(reduce)) return $"{reduce} has keepdims=0";
        return null;
    }

    /// <summary>
    /// The factors of a product of up to three terms rooted at <paramref name="root"/>: its inputs, with an input
    /// produced by a Mul read only by the root expanded into that Mul's inputs (so 0.5·x·t, (0.5·x)·t and
    /// x·(t·0.5) all give three factors). The expanded Muls are added to <paramref name="inner"/>.
    /// </summary>
    public static List<Value>? ProductFactors(Node root, List<Node> inner)
    {
        if (!root.Is("Mul") || root.Inputs.Count != 2) return null;
        var factors = new List<Value>();
        foreach (var input in root.Inputs)
        {
            if (input is null) return null;
            if (Op(input, "Mul") is { } mul && ReadOnlyBy(input, root) && mul.Input(0) is { } a && mul.Input(1) is { } b)
            {
                factors.Add(a);
                factors.Add(b);
                inner.Add(mul);
            }
            else
            {
                factors.Add(input);
            }
        }
        return factors;
    }

    /// <summary>The node behind <paramref name="value"/> when it is Add(t, 1) with t produced by <paramref name="op"/>.</summary>
    public static (Node Add, Node Inner)? OnePlus(Value value, string op)
    {
        if (Op(value, "Add") is not { } add || SplitScalar(add) is not { } split || !Near(split.Constant, 1.0)) return null;
        return Op(split.Other, op) is { } inner ? (add, inner) : null;
    }

    /// <summary>
    /// Why adding the constant <paramref name="bias"/> to <paramref name="activation"/> is not a per-channel bias
    /// over its last axis (what BiasGelu and SkipLayerNormalization's bias input compute), or null when it is: the
    /// bias is 1-D and the activation's last dimension is known (from its shape or from the MatMul/Gemm weight
    /// that produced it) to have the same length.
    /// </summary>
    public static string? BiasProblem(Value activation, Value bias)
    {
        if (Patterns.ConstantTensor(bias) is not { } tensor) return "bias is not a constant";
        if (tensor.Rank != 1) return $"bias has shape [{string.Join(",", tensor.Dims)}], not a 1-D vector";
        var last = LastDim(activation) ?? ProducedLastDim(activation);
        if (last is null) return "cannot prove the bias only broadcasts over the last axis (shape of the biased value unknown)";
        return last == tensor.Dims[0] ? null : $"bias has {tensor.Dims[0]} elements but the last axis has {last}";
    }

    /// <summary>The last dimension of a MatMul or Gemm output, read from its constant weight.</summary>
    private static long? ProducedLastDim(Value value)
    {
        if (Op(value, "MatMul") is { } matmul && Patterns.ConstantTensor(matmul.Input(1)) is { Rank: >= 2 } weight) return weight.Dims[^1];
        if (Op(value, "Gemm") is { } gemm && Patterns.ConstantTensor(gemm.Input(1)) is { Rank: 2 } gemmWeight)
        {
            return gemm.GetInt("transB", 0) != 0 ? gemmWeight.Dims[0] : gemmWeight.Dims[1];
        }
        return null;
    }

    /// <summary>Whether every node reading <paramref name="value"/>, other than <paramref name="except"/>, comes after <paramref name="anchor"/> in its graph.</summary>
    public static bool ReadersFollow(Value value, Node anchor, IReadOnlyCollection<Node> except)
    {
        if (anchor.Graph is not { } graph) return false;
        var readers = value.Uses.Select(u => u.Node).Where(n => !except.Contains(n)).ToHashSet();
        bool seenAnchor = false;
        foreach (var node in graph.Nodes)
        {
            if (ReferenceEquals(node, anchor)) seenAnchor = true;
            else if (readers.Contains(node) && !seenAnchor) return false;
        }
        return true;
    }

    /// <summary>
    /// Adds the fused node in place of <paramref name="replaced"/>: named after the pattern's root (which goes
    /// away), its first output taking the replaced value's name and type, every reader redirected to it.
    /// </summary>
    public static Node AddFused(Rewriter rewriter, string op, IEnumerable<Value?> inputs, Value replaced, string domain = "",
        IEnumerable<Attribute>? attributes = null, int outputCount = 1)
    {
        var node = rewriter.Add(op, inputs, outputCount, domain, attributes, name: rewriter.Root.Name is { Length: > 0 } rootName ? rootName : replaced.Name);
        node.Output(0).Name = replaced.Name;
        node.Output(0).Type = replaced.Type;
        rewriter.Replace(replaced, node.Output(0));
        return node;
    }
}

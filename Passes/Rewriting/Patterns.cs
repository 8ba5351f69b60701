using Onnxc.Ir;
using Onnxc.Ir.Inference;

namespace Onnxc.Passes.Rewriting;

/// <summary>Small questions rules ask while matching: who produces a value, is it a constant, is it read once.</summary>
public static class Patterns
{
    /// <summary>The producer of <paramref name="value"/> when it is <paramref name="op"/> in <paramref name="domain"/>.</summary>
    public static Node? Producer(Value? value, string op, string domain = "") =>
        value?.Producer is { } node && node.OpType == op && node.Domain == domain ? node : null;

    /// <summary>Whether exactly one node input reads the value and it is not a graph output (so the producer may go).</summary>
    public static bool HasSingleUse(Value value) => value.Uses.Count == 1 && !value.IsGraphOutput;

    /// <summary>The only reader of <paramref name="value"/> when it is <paramref name="op"/>.</summary>
    public static Node? SingleConsumer(Value value, string op, string domain = "") =>
        value.Uses.Count == 1 && value.Uses[0].Node is { } n && n.OpType == op && n.Domain == domain ? n : null;

    /// <summary>The input of a two-input node that is not <paramref name="known"/> (for commutative ops).</summary>
    public static Value? OtherInput(Node binary, Value known) =>
        ReferenceEquals(binary.Input(0), known) ? binary.Input(1) : ReferenceEquals(binary.Input(1), known) ? binary.Input(0) : null;

    /// <summary>The constant tensor behind a value (initializer that is not an overridable input, or a Constant node).</summary>
    public static Tensor? ConstantTensor(Value? value) => ConstantValues.ConstantTensor(value);

    /// <summary>A one-element numeric constant as double, or null.</summary>
    public static double? ScalarConstant(Value? value) => ConstantValues.TryGetScalarDouble(value);

    /// <summary>Whether every element of the constant equals <paramref name="expected"/> within <paramref name="tolerance"/>.</summary>
    public static bool IsScalarConstant(Value? value, double expected, double tolerance = 1e-6) =>
        ScalarConstant(value) is { } actual && Math.Abs(actual - expected) <= tolerance * Math.Max(1, Math.Abs(expected));

    /// <summary>The reduction axes of a Reduce* node, from the attribute (opset &lt; 18) or the second input.</summary>
    public static long[]? ReduceAxes(Node reduce) =>
        reduce.GetInts("axes") ?? (reduce.Input(1) is { } axes ? ConstantTensor(axes) is { } t && t.ElementType == DataType.Int64 ? t.ToArray<long>() : null : null);

    /// <summary>Whether <paramref name="axes"/> names only the last axis of a value of rank <paramref name="rank"/> (rank may be unknown).</summary>
    public static bool IsLastAxis(long[]? axes, int? rank) =>
        axes is { Length: 1 } && (axes[0] == -1 || (rank is { } r && axes[0] == r - 1));

    /// <summary>The rank of a tensor value, when known.</summary>
    public static int? Rank(Value? value) => value?.Shape?.Rank;
}

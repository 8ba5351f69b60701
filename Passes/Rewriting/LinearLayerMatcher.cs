using Onnxc.Ir;

namespace Onnxc.Passes.Rewriting;

/// <summary>
/// A MatMul or Gemm with a constant weight matrix, seen as y = alpha·A·W (+ bias) with W logically [K, N]: the
/// unit the int8, weight-only and sparsity passes each rewrite. One matcher so that they agree on what a linear
/// layer is and how its orientation and bias are read.
/// </summary>
/// <param name="Transposed">The weight is stored [N, K] (Gemm with transB = 1); otherwise [K, N].</param>
/// <param name="Alpha">Gemm's alpha (1 for MatMul).</param>
/// <param name="Beta">Gemm's beta (1 for MatMul).</param>
/// <param name="GemmBias">Gemm's C input, when there is one (a constant row of N when the requirements ask for it).</param>
/// <param name="FollowingBias">For MatMul: the Add of a constant [N] vector that is the product's only reader.</param>
public sealed record LinearLayerMatch(
    Node Node, Value Activation, Value Weight, Tensor WeightTensor, int K, int N,
    bool Transposed, float Alpha, float Beta, Value? GemmBias, BiasAdd? FollowingBias)
{
    public bool IsGemm => Node.Is("Gemm");
}

/// <summary>A bias Add after a MatMul: the Add node and its constant [N] operand.</summary>
public sealed record BiasAdd(Node Add, Value Bias, Tensor Tensor);

/// <summary>What a caller can handle beyond a plain f32 MatMul; everything else is a near miss with its reason.</summary>
public sealed record LinearLayerRequirements
{
    /// <summary>Gemm (transA = 0) counts as a linear layer, not only MatMul.</summary>
    public bool AllowGemm { get; init; } = true;

    /// <summary>f16 weights (and activations) are accepted next to f32.</summary>
    public bool AllowFloat16 { get; init; }

    /// <summary>The weight must be a graph initializer (not a Constant node), because the caller replaces it in place.</summary>
    public bool WeightIsInitializer { get; init; }

    /// <summary>The activation must not be a vector (when its rank is known).</summary>
    public bool MatrixActivation { get; init; }

    /// <summary>Gemm's C must be a constant row of N (what a per-column bias can express).</summary>
    public bool GemmBiasIsRow { get; init; }

    /// <summary>MatMul with an f32 weight, Gemm allowed, no further conditions.</summary>
    public static LinearLayerRequirements Default { get; } = new();
}

/// <summary>Finds <see cref="LinearLayerMatch"/>es: nothing for nodes that are not MatMul/Gemm, a near miss with a reason for the rest.</summary>
public static class LinearLayerMatcher
{
    public static Match<LinearLayerMatch> Find(Node node, LinearLayerRequirements requirements)
    {
        bool gemm = node.Is("Gemm");
        if (!node.Is("MatMul") && !(gemm && requirements.AllowGemm)) return Match<LinearLayerMatch>.None;
        if (node.Input(0) is not { } activation || node.Input(1) is not { } weight) return Match<LinearLayerMatch>.None;
        if (Patterns.ConstantTensor(weight) is not { } tensor) return Miss("the weight is not a constant");
        if (requirements.WeightIsInitializer && (weight.Initializer is null || weight.IsGraphInput)) return Miss("the weight is not a constant initializer");
        if (!Accepted(tensor.ElementType, requirements)) return Miss($"the weight is {tensor.ElementType.ShortName()}, not {Accepted(requirements)}");
        if (tensor.Rank != 2) return Miss($"the weight has rank {tensor.Rank}, not 2");
        if (Patterns.ConstantTensor(activation) is not null) return Miss("both operands are constant (fold it instead)");
        if (activation.ElementType is { } type && !Accepted(type, requirements)) return Miss($"the activation is {type.ShortName()}, not {Accepted(requirements)}");
        if (requirements.MatrixActivation && activation.Shape is { Rank: < 2 }) return Miss("the activation is a vector, not a matrix");
        if (!gemm) return new LinearLayerMatch(node, activation, weight, tensor, (int)tensor.Dims[0], (int)tensor.Dims[1], false, 1, 1, null, FollowingBias(node, tensor));

        if (node.GetInt("transA", 0) != 0) return Miss("Gemm with transA = 1 (the activation is transposed)");
        bool transposed = node.GetInt("transB", 0) != 0;
        int k = (int)tensor.Dims[transposed ? 1 : 0], n = (int)tensor.Dims[transposed ? 0 : 1];
        var c = node.Input(2);
        if (c is not null && requirements.GemmBiasIsRow && RowBiasProblem(c, n, tensor.ElementType) is { } problem) return Miss(problem);
        return new LinearLayerMatch(node, activation, weight, tensor, k, n, transposed, node.GetFloat("alpha", 1f), node.GetFloat("beta", 1f), c, null);
    }

    /// <summary>Every linear layer of the main graph, in graph order.</summary>
    public static IReadOnlyList<LinearLayerMatch> FindAll(Model model, LinearLayerRequirements requirements) =>
        model.Graph.Nodes.Select(n => Find(n, requirements).Value).OfType<LinearLayerMatch>().ToList();

    private static Match<LinearLayerMatch> Miss(string reason) => Match<LinearLayerMatch>.Miss(reason);

    private static bool Accepted(DataType type, LinearLayerRequirements requirements) =>
        type == DataType.Float || (requirements.AllowFloat16 && type == DataType.Float16);

    private static string Accepted(LinearLayerRequirements requirements) => requirements.AllowFloat16 ? "f32/f16" : "f32";

    // A bias is only seen as part of the layer when the product feeds nothing but this Add, so a rewrite that folds
    // it in leaves no reader with a value it did not expect.
    private static BiasAdd? FollowingBias(Node matMul, Tensor weight)
    {
        var product = matMul.Output();
        if (!Patterns.HasSingleUse(product) || Patterns.SingleConsumer(product, "Add") is not { } add) return null;
        if (Patterns.OtherInput(add, product) is not { } other || Patterns.ConstantTensor(other) is not { Rank: 1 } bias) return null;
        return bias.ElementType == weight.ElementType && bias.Dims[0] == weight.Dims[1] ? new BiasAdd(add, other, bias) : null;
    }

    private static string? RowBiasProblem(Value c, int n, DataType type)
    {
        if (Patterns.ConstantTensor(c) is not { } bias || bias.ElementType != type) return $"the Gemm bias C is not a constant {type.ShortName()} tensor";
        if (bias.ElementCount != n || bias.Rank > 2 || (bias.Rank == 2 && bias.Dims[0] != 1))
        {
            return $"the Gemm bias C [{string.Join(",", bias.Dims)}] is not a row of N={n} (a per-column bias is all a fused bias can express)";
        }
        return null;
    }
}

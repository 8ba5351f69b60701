using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>
/// A MatMul whose right operand is a constant float matrix [K, N] (a linear layer as exporters write it), with the
/// bias Add that follows it when there is one. The unit every int8/int4/mixed quantizer decides about.
/// </summary>
public sealed record LinearLayer(Node MatMul, Value Activation, Value Weight, Tensor WeightTensor, Node? BiasAdd, Tensor? Bias)
{
    /// <summary>The layer's name in reports and option lists: the MatMul's node name, else its weight's name.</summary>
    public string Id => LayerId(MatMul);

    public int Rows => (int)WeightTensor.Dims[0];

    public int Columns => (int)WeightTensor.Dims[1];

    public long Parameters => WeightTensor.ElementCount;

    /// <summary>The identifier a MatMul node has in reports (node name, else the weight's name).</summary>
    public static string LayerId(Node matMul) =>
        matMul.Name is { Length: > 0 } name ? name : matMul.Input(1)?.Name ?? matMul.Output().Name;

    /// <summary>What int8 rewrites: MatMul only (its bias is the following Add), f32 weights.</summary>
    private static readonly LinearLayerRequirements Requirements = new() { AllowGemm = false };

    /// <summary>Matches a linear layer at <paramref name="matMul"/>, with the reason when it nearly is one.</summary>
    public static Match<LinearLayer> Find(Node matMul)
    {
        var found = LinearLayerMatcher.Find(matMul, Requirements);
        if (found.Value is not { } m) return found.Reason is { } reason ? Match<LinearLayer>.Miss(reason) : Match<LinearLayer>.None;
        return new LinearLayer(m.Node, m.Activation, m.Weight, m.WeightTensor, m.FollowingBias?.Add, m.FollowingBias?.Tensor);
    }

    /// <summary>
    /// A fused Attention's packed Q/K/V projection seen as a linear layer (<see cref="MatMul"/> is then the Attention
    /// node, whose input 0 and weight input 1 play the same parts), so mixed precision can weigh and simulate it.
    /// </summary>
    public static LinearLayer FromAttention(FusedAttention attention) =>
        new(attention.Attention, attention.Input, attention.Weight, attention.WeightTensor, null, null);

    /// <summary>Every linear layer of the main graph, in graph order.</summary>
    public static IReadOnlyList<LinearLayer> FindAll(Model model) =>
        model.Graph.Nodes.Select(n => Find(n).Value).OfType<LinearLayer>().ToList();
}

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

    /// <summary>Matches a linear layer at <paramref name="matMul"/>, with the reason when it nearly is one.</summary>
    public static Match<LinearLayer> Find(Node matMul)
    {
        if (!matMul.Is("MatMul")) return Match<LinearLayer>.None;
        if (matMul.Input(0) is not { } activation || matMul.Input(1) is not { } weight) return Match<LinearLayer>.None;
        if (Patterns.ConstantTensor(weight) is not { } tensor) return Match<LinearLayer>.None;
        if (tensor.ElementType != DataType.Float) return Match<LinearLayer>.Miss($"weight is {tensor.ElementType.ShortName()}, not f32");
        if (tensor.Rank != 2) return Match<LinearLayer>.Miss($"weight has rank {tensor.Rank}, not 2");
        if (Patterns.ConstantTensor(activation) is not null) return Match<LinearLayer>.Miss("both operands are constant (fold it instead)");
        if (activation.ElementType is { } type && type != DataType.Float) return Match<LinearLayer>.Miss($"activation is {type.ShortName()}, not f32");
        var (add, bias) = FindBias(matMul, tensor.Dims[1]);
        return new LinearLayer(matMul, activation, weight, tensor, add, bias);
    }

    /// <summary>Every linear layer of the main graph, in graph order.</summary>
    public static IReadOnlyList<LinearLayer> FindAll(Model model) =>
        model.Graph.Nodes.Select(n => Find(n).Value).OfType<LinearLayer>().ToList();

    // The bias is folded only when the MatMul result feeds nothing but this Add, so no reader sees a biased value it did not expect.
    private static (Node?, Tensor?) FindBias(Node matMul, long columns)
    {
        var product = matMul.Output();
        if (!Patterns.HasSingleUse(product) || Patterns.SingleConsumer(product, "Add") is not { } add) return (null, null);
        var other = Patterns.OtherInput(add, product);
        if (Patterns.ConstantTensor(other) is not { ElementType: DataType.Float, Rank: 1 } bias || bias.Dims[0] != columns) return (null, null);
        return (add, bias);
    }
}

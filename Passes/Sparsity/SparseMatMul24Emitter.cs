using Onnxc.Ir;
using Onnxc.Ir.Inference;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Sparsity;

/// <summary>
/// Replaces a pruned MatMul/Gemm (and a following bias Add and Relu/Gelu, when they are the only readers) with
/// com.onnxc SparseMatMul24 over the compressed weight. Needs the onnxc custom-op library at run time.
/// </summary>
internal static class SparseMatMul24Emitter
{
    /// <summary>The operator's domain; the library registers it (Backends/CustomOps/native/src/sparse_matmul24_op.h).</summary>
    public const string Domain = "com.onnxc";
    public const string OpType = "SparseMatMul24";
    public const long Version = 1;

    /// <summary>Why the layer cannot become SparseMatMul24 (it then stays a dense MatMul of pruned weights), or null.</summary>
    public static string? Check(LinearLayer layer)
    {
        if (!layer.Node.Is("Gemm")) return null;
        if (layer.Node.GetFloat("alpha", 1f) != 1f) return "Gemm alpha is not 1";
        if (layer.Node.Input(2) is { } c && (layer.Node.GetFloat("beta", 1f) != 1f || !IsBiasVector(c, layer))) return "Gemm C is not a constant [N] bias with beta 1";
        return null;
    }

    /// <summary>Emits the op in place of the layer; returns the number of nodes it replaced.</summary>
    public static int Emit(Model model, LinearLayer layer, float[] prunedRows)
    {
        var graph = layer.Node.Graph!;
        var (values, meta) = Sparse24Format.Compress(prunedRows, layer.N, layer.K);
        var valuesInit = graph.AddInitializer(InitializerNames.Unique(graph, layer.Weight.Name + ".2of4.values"), layer.ToElementType(values, layer.N, layer.K / 2));
        var metaInit = graph.AddInitializer(InitializerNames.Unique(graph, layer.Weight.Name + ".2of4.meta"), Tensor.FromArray(meta, layer.N, Sparse24Format.MetaBytesPerRow(layer.K)));

        var fused = new List<Node> { layer.Node };
        Value? bias = layer.Node.Is("Gemm") ? layer.Node.Input(2) : null;
        var last = layer.Node;
        if (bias is null && SoleReader(last) is { } add && add.Is("Add") && Patterns.OtherInput(add, last.Output()) is { } b && IsBiasVector(b, layer))
        {
            bias = b;
            fused.Add(add);
            last = add;
        }
        string activation = "none";
        if (SoleReader(last) is { } act && ActivationName(act) is { } name)
        {
            activation = name;
            fused.Add(act);
            last = act;
        }

        var attributes = new[] { new Attribute("activation", AttributeKind.String, activation) };
        var node = new Node(OpType, new[] { layer.Activation, valuesInit, metaInit, bias }.TakeWhile(v => v is not null),
            new[] { last.Output().Name + ".2of4" }, Domain, attributes, name: (layer.Node.Name ?? layer.Weight.Name) + ".2of4");
        node.Output().Type = last.Output().Type;
        graph.InsertBefore(last, node);
        model.EnsureOpset(Domain, Version);
        last.Output().ReplaceAllUsesWith(node.Output());
        for (int i = fused.Count - 1; i >= 0; i--) graph.Remove(fused[i]);
        return fused.Count;
    }

    private static Node? SoleReader(Node node) =>
        node.Output().Uses.Count == 1 && !node.Output().IsGraphOutput ? node.Output().Uses[0].Node : null;

    private static bool IsBiasVector(Value value, LinearLayer layer) =>
        ConstantValues.ConstantTensor(value) is { Rank: 1 } t && t.Dims[0] == layer.N && t.ElementType == layer.Tensor.ElementType;

    private static string? ActivationName(Node node) => node switch
    {
        _ when node.Is("Relu") => "relu",
        _ when node.Is("Gelu", "com.microsoft") => "gelu",
        _ when node.Is("Gelu") && node.GetString("approximate", "none") == "none" => "gelu",
        _ => null,
    };
}

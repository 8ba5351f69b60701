using Onnxc.Ir;
using Onnxc.Ir.Inference;
using Onnxc.Passes.Quantization.Int8;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Sparsity;

/// <summary>
/// Replaces a pruned MatMul/Gemm (and a following bias Add and Relu/Gelu, when they are the only readers) with
/// com.onnxc SparseMatMul24 over the compressed weight, its kept values in the layer's type or as int8 with one scale
/// per output column (B_scales, input 4). Needs the onnxc custom-op library at run time.
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
    public static int Emit(Model model, LinearLayer layer, float[] prunedRows, SparseValues storage = SparseValues.LayerType)
    {
        var graph = layer.Node.Graph!;
        var (values, meta) = Sparse24Format.Compress(prunedRows, layer.N, layer.K);
        Value valuesInit, scalesInit = null!;
        if (storage == SparseValues.Int8)
        {
            var (quantized, scales) = QuantizeRows(values, layer.N, layer.K / 2);
            valuesInit = graph.AddInitializer(InitializerNames.Unique(graph, layer.Weight.Name + ".2of4.values_int8"), Tensor.FromArray(quantized, layer.N, layer.K / 2));
            scalesInit = graph.AddInitializer(InitializerNames.Unique(graph, layer.Weight.Name + ".2of4.scales"), layer.ToElementType(scales, layer.N));
        }
        else
        {
            valuesInit = graph.AddInitializer(InitializerNames.Unique(graph, layer.Weight.Name + ".2of4.values"), layer.ToElementType(values, layer.N, layer.K / 2));
        }
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
        // bias is optional input 3 (left empty when absent), B_scales input 4 only for int8 values.
        var inputs = storage == SparseValues.Int8
            ? new[] { layer.Activation, valuesInit, metaInit, bias, scalesInit }
            : new[] { layer.Activation, valuesInit, metaInit, bias }.TakeWhile(v => v is not null).ToArray();
        var node = new Node(OpType, inputs,
            new[] { last.Output().Name + ".2of4" }, Domain, attributes, name: (layer.Node.Name ?? layer.Weight.Name) + ".2of4");
        node.Output().Type = last.Output().Type;
        graph.InsertBefore(last, node);
        model.EnsureOpset(Domain, Version);
        last.Output().ReplaceAllUsesWith(node.Output());
        for (int i = fused.Count - 1; i >= 0; i--) graph.Remove(fused[i]);
        return fused.Count;
    }

    /// <summary>Kept values [N, K/2] as symmetric int8 with one scale per row (= output column), full 8-bit range.</summary>
    internal static (sbyte[] Values, float[] Scales) QuantizeRows(float[] values, int n, int halfK)
    {
        // Int8Weight is per column of a [rows, columns] matrix: hand it the transpose, so its columns are our rows.
        var transposed = new float[values.Length];
        for (int row = 0; row < n; row++)
        {
            for (int i = 0; i < halfK; i++) transposed[i * n + row] = values[row * halfK + i];
        }
        var weight = Int8Weight.Quantize(transposed, halfK, n, WeightGranularity.PerChannel, reduceRange: false);
        var quantized = new sbyte[values.Length];
        for (int row = 0; row < n; row++)
        {
            for (int i = 0; i < halfK; i++) quantized[row * halfK + i] = weight.Values[i * n + row];
        }
        return (quantized, weight.Scales);
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

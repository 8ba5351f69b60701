using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Layout;

/// <summary>
/// Widens the reduction dimension K of a MatMul/Gemm whose activation rows are a multiple of 4 KiB apart (K = 1024,
/// 2048, 3072, 4096 floats: the FFN down-projections of BERT, GPT-2, ViT and Llama). Every such row starts in the
/// same L1 cache set, and ONNX Runtime's CPU GEMM, which reads several activation rows at once, runs 20-50 % slower
/// on them (BENCHMARKS.md, "Padding aliased reductions"). The activation comes from a linear layer (the
/// up-projection) through elementwise ops (bias, Gelu, Relu, SwiGLU's product), so widening that layer's weight with
/// zero columns, the bias vectors on the way with zeros, and the consumer's weight with zero rows changes no output
/// value: each padded column holds a finite constant (Gelu(0) = 0, Sigmoid(0) = ½, …) that meets a zero weight row.
/// Costs 64 bytes per weight row or column, under 1 % of the layers' weights.
/// </summary>
public sealed class PadAliasedReductions : IPass
{
    /// <summary>The padding: one cache line, so the padded rows stay 64-byte aligned.</summary>
    private const int PaddingBytes = 64;

    private const int AliasingStride = 4096;

    public string Name => "pad-aliased-reductions";

    public string Description => "widen MatMul reduction dims whose rows are 4 KiB apart (zero weight rows/columns; ORT's CPU GEMM is 20-50 % slower on them)";

    public PassResult Run(Model model, PassContext context)
    {
        int regions = 0, layers = 0;
        var graph = model.Graph;
        var done = new HashSet<Value>();
        foreach (var node in graph.Nodes.ToList())
        {
            if (LinearLayerMatcher.Find(node, Accepted).Value is not { } consumer || done.Contains(consumer.Activation)) continue;
            long rowBytes = consumer.WeightTensor.ElementType.ByteCount(consumer.K);
            if (rowBytes % AliasingStride != 0) continue;
            var grown = PaddingRegion.Grow(consumer, Accepted);
            if (grown.Region is not { } region)
            {
                context.Record(Name, node, false, grown.Reason!);
                continue;
            }
            done.UnionWith(region.Values);
            int padding = (int)(PaddingBytes / consumer.WeightTensor.ElementType.ByteCount(1));
            Apply(graph, region, padding);
            context.Record(Name, node, true, $"K {consumer.K} -> {consumer.K + padding} for {region.Sinks.Count} consumer(s), {region.Sources.Count} producer(s)");
            regions++;
            layers += region.Sinks.Count + region.Sources.Count;
        }
        return PassResult.Of(("padded-reductions", regions), ("widened-layers", layers));
    }

    /// <summary>Float layers (f32, f16), MatMul or Gemm with transA = 0: the ones whose weights can be widened.</summary>
    private static readonly LinearLayerRequirements Accepted = new() { AllowFloat16 = true };

    private static void Apply(Graph graph, PaddingRegion region, int padding)
    {
        foreach (var source in region.Sources)
        {
            // The produced columns are the weight's N axis: axis 1 of [K_in, N], axis 0 of Gemm's transposed [N, K_in].
            ReplaceConstant(graph, source.Node, 1, ZeroPadding.PadAxis(source.WeightTensor, source.Transposed ? 0 : 1, padding));
            if (source.GemmBias is { } bias && Patterns.ConstantTensor(bias) is { Rank: > 0 } row && row.Dims[^1] == source.N)
            {
                ReplaceConstant(graph, source.Node, 2, ZeroPadding.PadAxis(row, row.Rank - 1, padding));
            }
        }
        foreach (var sink in region.Sinks)
        {
            // The reduced rows are the weight's K axis: axis 0 of [K, N], axis 1 of Gemm's transposed [N, K].
            ReplaceConstant(graph, sink.Node, 1, ZeroPadding.PadAxis(sink.WeightTensor, sink.Transposed ? 1 : 0, padding));
        }
        foreach (var (node, index) in region.Vectors)
        {
            var vector = Patterns.ConstantTensor(node.Input(index))!;
            ReplaceConstant(graph, node, index, ZeroPadding.PadAxis(vector, vector.Rank - 1, padding));
        }
        foreach (var value in region.Values)
        {
            var shape = value.Shape!;
            var dims = shape.Take(shape.Rank - 1).Append(Dim.Of(shape[^1].Value!.Value + padding));
            value.Type = new TensorType(value.ElementType!.Value, new Shape(dims));
        }
    }

    /// <summary>
    /// Points input <paramref name="index"/> of <paramref name="node"/> at the widened tensor: in place when the
    /// initializer has no other reader, as a new initializer when it is shared or a Constant node's output.
    /// </summary>
    private static void ReplaceConstant(Graph graph, Node node, int index, Tensor widened)
    {
        var old = node.Input(index)!;
        if (old.Initializer is not null && !old.IsGraphInput && !old.IsGraphOutput && old.Uses.Count == 1)
        {
            graph.SetInitializer(old, widened);
            return;
        }
        node.ReplaceInput(index, graph.AddInitializer(old.Name + "_padded", widened));
    }
}

using Onnxc.Ir;
using Onnxc.Samples;

namespace Onnxc.Tests.Samples;

/// <summary>Small queries over sample graphs shared by the sample tests.</summary>
internal static class SampleGraphFacts
{
    public static Dictionary<string, int> Histogram(Graph graph) =>
        graph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());

    public static int Count(Graph graph, string opType) => graph.Nodes.Count(n => n.OpType == opType);

    /// <summary>The scalar float a value holds when it is a Constant node's output.</summary>
    public static float? ConstantFloat(Value? value)
    {
        if (value?.Producer is not { OpType: "Constant" } constant) return null;
        var tensor = constant.GetAttribute("value")!.AsTensor();
        return tensor.ElementType == DataType.Float && tensor.ElementCount == 1 ? tensor.AsSpan<float>()[0] : null;
    }

    /// <summary>The only node reading <paramref name="value"/>; fails the test when there are several or none.</summary>
    public static Node SoleUser(Value value)
    {
        Assert.Single(value.Uses);
        return value.Uses[0].Node;
    }

    public static long InitializerElements(Graph graph) => graph.Initializers.Sum(v => v.Initializer!.ElementCount);

    public static Model BuildTiny(SampleKind kind, int seed = 0, int opset = SampleOpsets.Default) => SampleModels.Build(kind, SampleSize.Tiny, seed, opset);

    public static (long Parameters, long Buffers) ExpectedTinyCounts(SampleKind kind) => kind switch
    {
        SampleKind.Bert => (BertConfig.Tiny.ParameterCount, BertConfig.Tiny.BufferElementCount),
        SampleKind.Gpt2 or SampleKind.Gpt2Past => (Gpt2Config.Tiny.ParameterCount, Gpt2Config.Tiny.BufferElementCount),
        SampleKind.Llama => (LlamaConfig.Tiny.ParameterCount, LlamaConfig.Tiny.BufferElementCount),
        SampleKind.Vit => (VitConfig.Tiny.ParameterCount, VitConfig.Tiny.BufferElementCount),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Tests.Passes.Rewriting;

/// <summary>The one linear-layer matcher: orientation, Gemm attributes, bias and the reasons for near misses.</summary>
public class LinearLayerMatcherTests
{
    private static (Graph Graph, Node Node) Layer(string op, long[] weightDims, DataType type = DataType.Float, long[]? activationDims = null,
        Tensor? gemmBias = null, Attribute[]? attributes = null, bool isOutput = true)
    {
        var graph = new Graph("layer");
        var x = graph.AddInput(new Value("x", new TensorType(type, Shape.Of(activationDims ?? new long[] { 2, 8 }))));
        long count = weightDims.Aggregate(1L, (a, b) => a * b);
        var weight = type == DataType.Float16
            ? Tensor.FromArray(Enumerable.Range(0, (int)count).Select(i => (Half)i).ToArray(), weightDims)
            : Tensor.FromArray(Enumerable.Range(0, (int)count).Select(i => (float)i).ToArray(), weightDims);
        var w = graph.AddInitializer("W", weight);
        var inputs = new List<Value?> { x, w };
        if (gemmBias is not null) inputs.Add(graph.AddInitializer("C", gemmBias));
        var node = graph.Append(op, inputs, name: "fc", attributes: attributes);
        if (isOutput) graph.AddOutput(node.Output());
        return (graph, node);
    }

    [Fact]
    public void MatMul_reads_the_weight_as_K_by_N_with_the_following_bias_add()
    {
        var (graph, matMul) = Layer("MatMul", new long[] { 8, 3 }, isOutput: false);
        var b = graph.AddInitializer("b", Tensor.Vector(new float[] { 1, 2, 3 }));
        var add = graph.Append("Add", new[] { matMul.Output(), b });
        graph.AddOutput(add.Output());

        var m = LinearLayerMatcher.Find(matMul, LinearLayerRequirements.Default).Value!;
        Assert.Equal((8, 3, false, 1f), (m.K, m.N, m.Transposed, m.Alpha));
        Assert.Same(add, m.FollowingBias!.Add);
        Assert.Same(b, m.FollowingBias.Bias);
    }

    [Fact]
    public void A_bias_add_with_a_second_reader_of_the_product_is_not_part_of_the_layer()
    {
        var (graph, matMul) = Layer("MatMul", new long[] { 8, 3 });
        var b = graph.AddInitializer("b", Tensor.Vector(new float[] { 1, 2, 3 }));
        graph.AddOutput(graph.Append("Add", new[] { matMul.Output(), b }).Output());
        Assert.Null(LinearLayerMatcher.Find(matMul, LinearLayerRequirements.Default).Value!.FollowingBias);
    }

    [Theory]
    [InlineData(0, 8, 3)]
    [InlineData(1, 3, 8)]
    public void Gemm_reports_its_orientation_alpha_beta_and_bias(long transB, long rows, long columns)
    {
        var (_, gemm) = Layer("Gemm", new[] { rows, columns }, gemmBias: Tensor.Vector(new float[] { 1, 2, 3 }),
            attributes: new[] { Attribute.Int("transB", transB), Attribute.Float("alpha", 0.5f), Attribute.Float("beta", 2f) });
        var m = LinearLayerMatcher.Find(gemm, LinearLayerRequirements.Default).Value!;
        Assert.Equal((8, 3, transB == 1, 0.5f, 2f), (m.K, m.N, m.Transposed, m.Alpha, m.Beta));
        Assert.Equal("C", m.GemmBias!.Name);
        Assert.Null(m.FollowingBias);
    }

    [Fact]
    public void Nodes_that_are_not_linear_layers_are_no_match_without_a_reason()
    {
        var (_, relu) = Layer("Relu", new long[] { 8, 3 });
        var (_, gemm) = Layer("Gemm", new long[] { 8, 3 });
        Assert.Null(LinearLayerMatcher.Find(relu, LinearLayerRequirements.Default).Reason);
        var matMulOnly = new LinearLayerRequirements { AllowGemm = false };
        Assert.Null(LinearLayerMatcher.Find(gemm, matMulOnly).Value);
        Assert.Null(LinearLayerMatcher.Find(gemm, matMulOnly).Reason);
    }

    public static TheoryData<string, string> NearMisses => new()
    {
        { "rank3", "the weight has rank 3, not 2" },
        { "f16", "the weight is f16, not f32" },
        { "transA", "Gemm with transA = 1" },
        { "matrixBias", "the Gemm bias C [8,3] is not a row of N=3" },
        { "vector", "the activation is a vector, not a matrix" },
        { "activationWeight", "the weight is not a constant" },
    };

    [Theory]
    [MemberData(nameof(NearMisses))]
    public void Near_misses_say_why(string kind, string reason)
    {
        var strict = new LinearLayerRequirements { MatrixActivation = true, GemmBiasIsRow = true };
        var (graph, node) = kind switch
        {
            "rank3" => Layer("MatMul", new long[] { 2, 8, 3 }),
            "f16" => Layer("MatMul", new long[] { 8, 3 }, DataType.Float16),
            "transA" => Layer("Gemm", new long[] { 8, 3 }, attributes: new[] { Attribute.Int("transA", 1) }),
            "matrixBias" => Layer("Gemm", new long[] { 8, 3 }, gemmBias: Tensor.FromArray(new float[24], 8, 3)),
            "vector" => Layer("MatMul", new long[] { 8, 3 }, activationDims: new long[] { 8 }),
            _ => Layer("MatMul", new long[] { 8, 3 }),
        };
        if (kind == "activationWeight") node.ReplaceInput(1, graph.AddInput(new Value("w", new TensorType(DataType.Float, Shape.Of(8, 3)))));
        var found = LinearLayerMatcher.Find(node, strict);
        Assert.Null(found.Value);
        Assert.StartsWith(reason, found.Reason);
    }

    [Fact]
    public void Float16_weights_match_when_the_caller_accepts_them()
    {
        var (_, node) = Layer("MatMul", new long[] { 8, 3 }, DataType.Float16);
        Assert.NotNull(LinearLayerMatcher.Find(node, new LinearLayerRequirements { AllowFloat16 = true }).Value);
    }

    [Fact]
    public void A_weight_behind_a_constant_node_is_refused_where_the_initializer_is_replaced_in_place()
    {
        var graph = new Graph("layer");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(2, 8))));
        var constant = graph.Append("Constant", Array.Empty<Value>(), attributes: new[] { Attribute.FromTensor("value", Tensor.FromArray(new float[24], 8, 3)) });
        var matMul = graph.Append("MatMul", new[] { x, constant.Output() });
        graph.AddOutput(matMul.Output());
        Assert.NotNull(LinearLayerMatcher.Find(matMul, LinearLayerRequirements.Default).Value);
        Assert.Equal("the weight is not a constant initializer", LinearLayerMatcher.Find(matMul, new LinearLayerRequirements { WeightIsInitializer = true }).Reason);
    }
}

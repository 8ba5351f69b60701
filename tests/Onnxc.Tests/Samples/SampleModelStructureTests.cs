using Onnxc.Ir;
using Onnxc.Samples;
using static Onnxc.Tests.Samples.SampleGraphFacts;

namespace Onnxc.Tests.Samples;

/// <summary>Properties every sample model must have, whatever its family.</summary>
public class SampleModelStructureTests
{
    public static TheoryData<SampleKind> Kinds => new(Enum.GetValues<SampleKind>());

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_node_input_is_defined_before_it_is_read(SampleKind kind)
    {
        using var model = BuildTiny(kind);
        var graph = model.Graph;
        var defined = new HashSet<Value>(graph.Inputs.Concat(graph.Initializers));
        foreach (var node in graph.Nodes)
        {
            foreach (var input in node.Inputs)
            {
                Assert.True(input is null || defined.Contains(input), $"{node} reads {input} before it is defined");
            }
            foreach (var output in node.Outputs) Assert.True(defined.Add(output), $"{output} is defined twice");
        }
        Assert.All(graph.Outputs, o => Assert.Contains(o, defined));
        Assert.DoesNotContain(graph.Nodes, n => n.Outputs.All(o => o.Uses.Count == 0 && !o.IsGraphOutput));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Node_and_value_names_are_unique(SampleKind kind)
    {
        using var model = BuildTiny(kind);
        var graph = model.Graph;
        var nodeNames = graph.Nodes.Select(n => n.Name).ToList();
        Assert.Equal(nodeNames.Count, nodeNames.Distinct().Count());
        var valueNames = graph.Inputs.Concat(graph.Initializers).Concat(graph.Nodes.SelectMany(n => n.Outputs)).Select(v => v.Name).ToList();
        Assert.Equal(valueNames.Count, valueNames.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Header_and_interface_are_declared_with_symbolic_batch(SampleKind kind)
    {
        using var model = BuildTiny(kind);
        Assert.Equal(8, model.IrVersion);
        Assert.Equal(14, model.OpsetVersion(""));
        Assert.Equal("onnxc-samples", model.ProducerName);
        Assert.All(model.Graph.Inputs.Concat(model.Graph.Outputs), v =>
        {
            var type = Assert.IsType<TensorType>(v.Type);
            Assert.Equal("batch", type.Shape![0].Symbol);
        });
        Assert.All(model.Graph.Outputs, v => Assert.Equal(DataType.Float, v.ElementType));
        // Token models take any sequence length too.
        if (kind != SampleKind.Vit) Assert.Equal("sequence", model.Graph.Inputs[0].Shape![1].Symbol);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Initializers_hold_the_config_parameter_count_plus_buffers(SampleKind kind)
    {
        using var model = BuildTiny(kind);
        var (parameters, buffers) = ExpectedTinyCounts(kind);
        Assert.Equal(parameters + buffers, InitializerElements(model.Graph));
        Assert.Equal(parameters, SampleModels.ParameterCount(kind, SampleSize.Tiny));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Same_seed_gives_identical_weights_and_another_seed_different_ones(SampleKind kind)
    {
        using var first = BuildTiny(kind, seed: 7);
        using var again = BuildTiny(kind, seed: 7);
        using var other = BuildTiny(kind, seed: 8);
        var initializers = first.Graph.Initializers;
        Assert.Equal(initializers.Select(v => v.Name), again.Graph.Initializers.Select(v => v.Name));
        Assert.Equal(initializers.Select(v => v.Name), other.Graph.Initializers.Select(v => v.Name));
        for (int i = 0; i < initializers.Count; i++)
        {
            Assert.True(initializers[i].Initializer!.ContentEquals(again.Graph.Initializers[i].Initializer!), $"{initializers[i]} differs for the same seed");
        }
        // Random tensors differ with the seed; computed buffers (masks, rotary caches, position ids) do not.
        var random = initializers.Select((v, i) => (v, i)).Where(p => IsRandom(p.v)).ToList();
        Assert.NotEmpty(random);
        Assert.All(random, p => Assert.False(p.v.Initializer!.ContentEquals(other.Graph.Initializers[p.i].Initializer!), $"{p.v} ignores the seed"));
    }

    [Fact]
    public void Weights_follow_the_initialisation_statistics()
    {
        using var model = SampleModels.Build(SampleKind.Bert, SampleSize.Tiny, seed: 3);
        var weights = model.Graph.Initializers.Where(v => v.Name.StartsWith("onnx::MatMul_", StringComparison.Ordinal)).ToList();
        Assert.Equal(6 * BertConfig.Tiny.Layers, weights.Count);
        foreach (var w in weights)
        {
            var (mean, std) = Moments(w.Initializer!.AsSpan<float>());
            Assert.InRange(mean, -0.002, 0.002);
            Assert.InRange(std, 0.019, 0.021);
        }
        var scales = model.Graph.Initializers.Where(v => v.Name.EndsWith("LayerNorm.weight", StringComparison.Ordinal)).ToList();
        Assert.Equal(2 * BertConfig.Tiny.Layers + 1, scales.Count);
        foreach (var s in scales)
        {
            var (mean, std) = Moments(s.Initializer!.AsSpan<float>());
            Assert.InRange(mean, 0.98, 1.02);
            Assert.InRange(std, 0.03, 0.07); // perturbed, so no pass may treat γ as exactly 1
        }
    }

    [Fact]
    public void Opset_18_moves_reduce_mean_axes_to_an_input()
    {
        using var old = SampleModels.Build(SampleKind.Gpt2, SampleSize.Tiny, opset: 17);
        using var current = SampleModels.Build(SampleKind.Gpt2, SampleSize.Tiny, opset: 18);
        Assert.All(old.Graph.Nodes.Where(n => n.OpType == "ReduceMean"), n =>
        {
            Assert.Single(n.Inputs);
            Assert.Equal(new long[] { -1 }, n.GetInts("axes"));
        });
        Assert.All(current.Graph.Nodes.Where(n => n.OpType == "ReduceMean"), n =>
        {
            Assert.Equal(2, n.Inputs.Count);
            Assert.Null(n.GetAttribute("axes"));
        });
        Assert.Equal(8, current.IrVersion);
        Assert.Equal(18, current.OpsetVersion(""));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(22)]
    public void Unsupported_opset_is_a_usage_error(int opset)
    {
        var error = Assert.Throws<OnnxcException>(() => SampleModels.Build(SampleKind.Vit, SampleSize.Tiny, opset: opset));
        Assert.Equal(DiagnosticIds.Usage, error.Diagnostic.Id);
    }

    [Fact]
    public void Invalid_config_is_a_usage_error()
    {
        var error = Assert.Throws<OnnxcException>(() => BertBuilder.Build(BertConfig.Tiny with { Heads = 5 }));
        Assert.Contains("divisible", error.Message);
    }

    private static bool IsRandom(Value v) =>
        !v.Name.EndsWith("position_ids", StringComparison.Ordinal) && !v.Name.EndsWith("attn.bias", StringComparison.Ordinal)
        && !v.Name.Contains("_cached", StringComparison.Ordinal);

    private static (double Mean, double Std) Moments(ReadOnlySpan<float> values)
    {
        double sum = 0, squares = 0;
        foreach (var v in values) sum += v;
        double mean = sum / values.Length;
        foreach (var v in values) squares += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(squares / values.Length));
    }
}

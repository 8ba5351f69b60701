using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Cleanup;
using Onnxc.Passes.Layout;
using Onnxc.Samples;

namespace Onnxc.Tests.Passes.Layout;

/// <summary>
/// pad-aliased-reductions: which reductions it widens (exporters' FFNs with a 1024-multiple width, SwiGLU, Gemm),
/// that ONNX Runtime then computes the very same outputs, and the regions it must refuse, each with its reason.
/// </summary>
public class PadAliasedReductionsTests
{
    private const int Hidden = 8;

    /// <summary>The exporters' FFNs at width 1024 (4 KiB rows): every layer's down-projection is padded, bit for bit the same.</summary>
    [Theory]
    [InlineData("bert")]
    [InlineData("gpt2")]
    [InlineData("llama")]
    [InlineData("vit")]
    public void Pads_every_ffn_of_a_wide_sample_after_O2_and_outputs_stay_identical(string family)
    {
        var (model, dims) = WideSample(family);
        using (model)
        {
            var counts = CompareWithAndWithout(model, dims, Pipelines.ForLevel(2));
            Assert.Equal(2, counts.GetValueOrDefault("padded-reductions"));
        }
    }

    [Fact]
    public void Pads_swiglu_through_both_of_its_projections()
    {
        using var model = Ffn(1024, (g, h) =>
        {
            var up = g.Append("MatMul", new[] { g.Inputs[0], Weight(g, "w_up", Hidden, 1024, 3) }).Output(0);
            var silu = g.Append("Mul", new[] { h, g.Append("Sigmoid", new[] { h }).Output(0) }).Output(0);
            return g.Append("Mul", new[] { silu, up }).Output(0);
        });
        var counts = CompareWithAndWithout(model, new Dictionary<string, long>(), Array.Empty<PipelineStep>());
        Assert.Equal(1, counts["padded-reductions"]);
        Assert.Equal(3, counts["widened-layers"]);
    }

    [Fact]
    public void Pads_gemm_with_transposed_weights_and_a_bias_row()
    {
        var graph = new Graph("gemm");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(4, Hidden))));
        var w1 = Weight(graph, "w1", 1024, Hidden, 1);
        var bias = graph.AddInitializer("b1", Tensor.FromArray(Enumerable.Range(0, 1024).Select(i => 0.01f * (i % 7)).ToArray(), 1024));
        var h = graph.Append("Gemm", new[] { x, w1, bias }, attributes: new[] { Ir.Attribute.Int("transB", 1) }).Output(0);
        var relu = graph.Append("Relu", new[] { h }).Output(0);
        var y = graph.Append("Gemm", new[] { relu, Weight(graph, "w2", Hidden, 1024, 2) }, attributes: new[] { Ir.Attribute.Int("transB", 1) }, outputHint: "y").Output(0);
        graph.AddOutput(y);
        using var model = Wrap(graph);
        var counts = CompareWithAndWithout(model, new Dictionary<string, long>(), Array.Empty<PipelineStep>());
        Assert.Equal(1, counts["padded-reductions"]);
        Assert.Equal(new long[] { 1040, Hidden }, graph.Initializers.Single(v => v.Name == "w1").Initializer!.Dims);
        Assert.Equal(new long[] { Hidden, 1040 }, graph.Initializers.Single(v => v.Name == "w2").Initializer!.Dims);
    }

    [Fact]
    public void A_weight_read_elsewhere_is_copied_not_widened()
    {
        using var model = Ffn(1024, (g, h) =>
        {
            // A second layer reads the up-projection's weight: it must keep its width.
            g.AddOutput(g.Append("MatMul", new[] { g.Inputs[0], g.Initializers.Single(v => v.Name == "w1") }, outputHint: "side").Output(0));
            return g.Append("Relu", new[] { h }).Output(0);
        });
        var counts = CompareWithAndWithout(model, new Dictionary<string, long>(), Array.Empty<PipelineStep>());
        Assert.Equal(1, counts["padded-reductions"]);
        Assert.Equal(new long[] { Hidden, 1024 }, model.Graph.Initializers.Single(v => v.Name == "w1").Initializer!.Dims);
    }

    [Fact]
    public void Leaves_widths_that_are_not_4_KiB_multiples_alone()
    {
        using var model = Ffn(1000, (g, h) => g.Append("Relu", new[] { h }).Output(0));
        var result = new PadAliasedReductions().Run(model, new PassContext { Explain = true });
        Assert.False(result.Changed);
    }

    public static TheoryData<string, string> Refusals() => new()
    {
        { "output", "is a graph input, output or constant" },
        { "reduce", "is not an elementwise op onnxc can widen" },
        { "vector-divisor", "zero padding would make it infinite" },
        { "zero-divisor", "not a finite value" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Refuses_regions_it_cannot_widen_and_says_why(string variant, string reason)
    {
        using var model = Ffn(1024, (g, h) =>
        {
            var relu = g.Append("Relu", new[] { h }).Output(0);
            switch (variant)
            {
                case "output":
                    g.AddOutput(relu);
                    return relu;
                case "reduce":
                    g.AddOutput(g.Append("ReduceSum", new[] { relu }, attributes: new[] { Ir.Attribute.Int("keepdims", 0) }, outputHint: "total").Output(0));
                    return relu;
                case "vector-divisor":
                    return g.Append("Div", new[] { relu, g.AddInitializer("d", Tensor.FromArray(Enumerable.Repeat(2f, 1024).ToArray(), 1024)) }).Output(0);
                default:
                    // 0 / 0 in every padded column: NaN, which a zero weight row does not cancel.
                    return g.Append("Div", new[] { relu, g.AddInitializer("zero", Tensor.Scalar(0f)) }).Output(0);
            }
        });
        var context = new PassContext { Explain = true };
        var result = new PadAliasedReductions().Run(model, context);
        Assert.False(result.Changed);
        Assert.Contains(context.Log, e => !e.Applied && e.Message.Contains(reason, StringComparison.Ordinal));
    }

    /// <summary>x[4, 8] → MatMul(w1[8, K]) → <paramref name="middle"/> → MatMul(w2[K, 8]) → y.</summary>
    private static Model Ffn(int k, Func<Graph, Value, Value> middle)
    {
        var graph = new Graph("ffn");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(4, Hidden))));
        var h = graph.Append("MatMul", new[] { x, Weight(graph, "w1", Hidden, k, 1) }).Output(0);
        var y = graph.Append("MatMul", new[] { middle(graph, h), Weight(graph, "w2", k, Hidden, 2) }, outputHint: "y").Output(0);
        graph.AddOutput(y);
        return Wrap(graph);
    }

    private static Model Wrap(Graph graph)
    {
        var model = new Model(graph) { IrVersion = 8 };
        model.EnsureOpset("", 14);
        new PassManager(new PipelineStep[] { new PipelineStep.Single(new InferShapes()) }).Run(model);
        return model;
    }

    private static Value Weight(Graph graph, string name, int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var data = new float[rows * columns];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() - 0.5);
        return graph.AddInitializer(name, Tensor.FromArray(data, rows, columns));
    }

    private static (Model Model, Dictionary<string, long> Dims) WideSample(string family) => family switch
    {
        "bert" => (BertBuilder.Build(BertConfig.Tiny with { Intermediate = 1024 }), new() { ["batch"] = 2, ["sequence"] = 16 }),
        "gpt2" => (Gpt2Builder.Build(Gpt2Config.Tiny with { Hidden = 256 }), new() { ["batch"] = 2, ["sequence"] = 16 }),
        "llama" => (LlamaBuilder.Build(LlamaConfig.Tiny with { Intermediate = 1024 }), new() { ["batch"] = 2, ["sequence"] = 16 }),
        _ => (VitBuilder.Build(VitConfig.Tiny with { MlpDim = 1024 }), new() { ["batch"] = 2 }),
    };

    /// <summary>
    /// Runs <paramref name="before"/> (minus any padding) and saves that as the reference, then runs the padding pass
    /// and checks that ONNX Runtime gives exactly the same outputs; returns the pass's counts.
    /// </summary>
    private static IReadOnlyDictionary<string, int> CompareWithAndWithout(Model model, IReadOnlyDictionary<string, long> dims, IReadOnlyList<PipelineStep> before)
    {
        var folder = Directory.CreateTempSubdirectory("onnxc-pad-");
        try
        {
            var steps = before.Where(s => s is not PipelineStep.Single { Pass: PadAliasedReductions }).ToList();
            new PassManager(steps) { Verifier = PassVerification.FirstError }.Run(model);
            var reference = Path.Combine(folder.FullName, "reference.onnx");
            OnnxExporter.Save(model, reference);
            var pad = new PassManager(new PipelineStep[] { new PipelineStep.Single(new PadAliasedReductions()) }) { Verifier = PassVerification.FirstError };
            var result = pad.Run(model).Single().Result;
            Assert.False(pad.Run(model).Single().Result.Changed, "a second run widened again");
            var candidate = Path.Combine(folder.FullName, "padded.onnx");
            OnnxExporter.Save(model, candidate);
            var report = ModelVerifier.Verify(reference, candidate, new VerifyOptions
            {
                Samples = 2,
                Dims = dims,
                Tolerance = new Tolerance("identical", 0, 0),
                Runner = new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All },
            });
            Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
            return result.Counts;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

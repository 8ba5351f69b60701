using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Ir.Text;
using Onnxc.Passes;
using Onnxc.Passes.Cleanup;
using Onnxc.Passes.Normalization;

namespace Onnxc.Tests.Passes.CleanupNormalization;

/// <summary>Pre-RMSNorm on hand-built transformers: converts Pre-LN exactly (checked in ONNX Runtime), refuses the rest with a reason.</summary>
public class PreRmsNormTests
{
    private const int Hidden = 8;

    /// <summary>How the tiny transformer deviates from a clean Pre-LN one.</summary>
    public enum Variant { PreLn, PostLn, StreamReadByRelu, NonLinearWrite, WriteReadTwice }

    [Fact]
    public void Pre_ln_transformer_converts_and_outputs_stay_within_fp32_rounding()
    {
        using var model = BuildTransformer(Variant.PreLn);
        var feed = Inputs();
        var before = Run(model, feed);
        new InferShapes().Run(model, new PassContext());

        var context = new PassContext { Explain = true };
        var result = new ConvertLayerNormToRmsNorm().Run(model, context);

        Assert.Equal(5, result.Counts["converted-layer-norms"]);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "LayerNormalization");
        Assert.Equal(5, model.Graph.Nodes.Count(n => n.OpType == "SimplifiedLayerNormalization"));
        Assert.Null(Onnxc.Passes.PassVerification.FirstError(model));
        var after = Run(model, feed);
        float maxError = before.Zip(after).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(maxError < 1e-4f, $"max abs error {maxError}");
        // The tied embedding table is still read by the head, so the embedding got a re-centered copy.
        Assert.Contains(model.Graph.Initializers, v => v.Name == "wte");
        Assert.Contains(model.Graph.Initializers, v => v.Name == "wte_centered");
        Assert.False(new ConvertLayerNormToRmsNorm().Run(model, new PassContext()).Changed);
    }

    [Theory]
    [InlineData(Variant.PostLn, "post-LN")]
    [InlineData(Variant.StreamReadByRelu, "which is not a LayerNorm")]
    [InlineData(Variant.NonLinearWrite, "is not a linear layer with constant weights")]
    [InlineData(Variant.WriteReadTwice, "also read elsewhere")]
    public void Refuses_with_a_reason_and_leaves_the_graph_alone(Variant variant, string reason)
    {
        using var model = BuildTransformer(variant);
        new InferShapes().Run(model, new PassContext());
        var before = IrPrinter.Print(model);
        var context = new PassContext { Explain = true };

        var result = new ConvertLayerNormToRmsNorm().Run(model, context);

        Assert.False(result.Changed);
        Assert.Equal(before, IrPrinter.Print(model));
        var entry = Assert.Single(context.Log);
        Assert.False(entry.Applied);
        Assert.Contains(reason, entry.Message);
    }

    /// <summary>Token + projected-feature embedding, position table, two blocks (attention-like MLP and MLP), final LN, tied head.</summary>
    internal static Model BuildTransformer(Variant variant)
    {
        var rng = new Random(7);
        var graph = new Graph("tiny");
        Value Weight(string name, params long[] dims) =>
            graph.AddInitializer(name, Tensor.FromArray(Enumerable.Range(0, (int)dims.Aggregate(1L, (a, d) => a * d)).Select(_ => (float)(rng.NextDouble() - 0.3)).ToArray(), dims));
        Value Op(string op, params Value[] inputs) => graph.Append(op, inputs).Output();
        Value LayerNorm(Value x, string name) =>
            graph.Append("LayerNormalization", new[] { x, Weight(name + "_g", Hidden), Weight(name + "_b", Hidden) }, attributes: new[] { Ir.Attribute.Int("axis", -1) }).Output();

        var ids = graph.AddInput(new Value("ids", new TensorType(DataType.Int64, Shape.Of(2, 5))));
        var features = graph.AddInput(new Value("features", new TensorType(DataType.Float, Shape.Of(2, 5, 4))));
        var wte = Weight("wte", 16, Hidden);
        var tokens = Op("Gather", wte, ids);
        var projected = Op("MatMul", features, Weight("w_in", 4, Hidden));
        var h = Op("Add", Op("Add", tokens, projected), Weight("wpe", 5, Hidden));
        Value? extra = null;
        for (int block = 0; block < 2; block++)
        {
            var a = LayerNorm(h, $"ln{block}a");
            var inner = Op("Relu", Op("Add", Op("MatMul", a, Weight($"w{block}1", Hidden, 16)), Weight($"b{block}1", 16)));
            var write = Op("Add", Op("MatMul", inner, Weight($"w{block}2", 16, Hidden)), Weight($"b{block}2", Hidden));
            if (variant == Variant.NonLinearWrite && block == 1) write = Op("Tanh", write);
            if (variant == Variant.WriteReadTwice && block == 1) extra = Op("Sigmoid", write);
            h = Op("Add", h, write);
            if (variant == Variant.PostLn) h = LayerNorm(h, $"post{block}");
            if (variant == Variant.StreamReadByRelu && block == 0) extra = Op("Relu", h);
            var m = LayerNorm(h, $"ln{block}m");
            var mlp = Op("MatMul", Op("Tanh", Op("MatMul", m, Weight($"w{block}3", Hidden, 16))), Weight($"w{block}4", 16, Hidden));
            h = Op("Add", h, mlp);
        }
        var final = LayerNorm(h, "lnf");
        var logits = Op("MatMul", final, Op("Transpose", wte));
        graph.AddOutput(logits);
        if (extra is not null) graph.AddOutput(extra);
        var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        return model;
    }

    private static Dictionary<string, RuntimeValue?> Inputs()
    {
        var rng = new Random(3);
        return new Dictionary<string, RuntimeValue?>
        {
            ["ids"] = Tensor.FromArray(Enumerable.Range(0, 10).Select(_ => (long)rng.Next(16)).ToArray(), 2, 5),
            ["features"] = Tensor.FromArray(Enumerable.Range(0, 40).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), 2, 5, 4),
        };
    }

    private static float[] Run(Model model, Dictionary<string, RuntimeValue?> feed)
    {
        var folder = Directory.CreateTempSubdirectory("onnxc-rms-");
        try
        {
            var path = Path.Combine(folder.FullName, "m.onnx");
            OnnxExporter.Save(model, path);
            using var runner = new OrtRunner(path);
            return Assert.IsType<TensorValue>(runner.Run(feed)[0].Value).Tensor.ToArray<float>();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

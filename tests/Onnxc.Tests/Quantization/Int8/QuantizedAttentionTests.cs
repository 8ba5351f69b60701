using Onnxc.Passes.Calibration;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Quantization;
using Onnxc.Passes.Quantization.Int8;
using Onnxc.Passes.Quantization.Mixed;

namespace Onnxc.Tests.Quantization.Int8;

/// <summary>
/// int8 dynamic on a fused com.microsoft Attention: the packed Q/K/V projection is quantized (QAttention, or an int8
/// projection into MultiHeadAttention for an additive mask), ORT accepts the result, and it stays close to fp32.
/// </summary>
public class QuantizedAttentionTests
{
    private const int Batch = 2, Sequence = 8, Hidden = 32, Heads = 4;

    /// <summary>y = Attention(x, W [32, 96], b) with the given mask form; opset 17 unless given.</summary>
    private static Model AttentionModel(string mask, long opset = 17)
    {
        var random = new Random(3);
        var graph = new Graph("attention");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(Batch, Sequence, Hidden))));
        var w = graph.AddInitializer("qkv_weight", Tensor.FromArray(Enumerable.Range(0, Hidden * 3 * Hidden).Select(_ => (float)(random.NextDouble() - 0.5) / 2).ToArray(), Hidden, 3 * Hidden));
        var b = graph.AddInitializer("qkv_bias", Tensor.Vector(Enumerable.Range(0, 3 * Hidden).Select(_ => (float)(random.NextDouble() - 0.5) / 10).ToArray()));
        var inputs = new List<Value?> { x, w, b };
        if (mask == "mask-index") inputs.Add(graph.AddInput(new Value("lengths", new TensorType(DataType.Int32, Shape.Of(Batch)))));
        if (mask == "attention-bias")
        {
            inputs.AddRange(new Value?[] { null, null, graph.AddInput(new Value("mask", new TensorType(DataType.Float, Shape.Of(Batch, 1, Sequence, Sequence)))) });
        }
        var attributes = new List<Attribute> { Attribute.Int("num_heads", Heads), Attribute.Float("scale", 1 / MathF.Sqrt(Hidden / Heads)) };
        if (mask == "causal") attributes.Add(Attribute.Int("unidirectional", 1));
        var node = graph.Append("Attention", inputs, domain: "com.microsoft", attributes: attributes, name: "layer0/Attention");
        node.Output().Type = new TensorType(DataType.Float, Shape.Of(Batch, Sequence, Hidden));
        graph.AddOutput(node.Output());
        var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", opset));
        model.OpsetImports.Add(new OpsetImport("com.microsoft", 1));
        return model;
    }

    private static Dictionary<string, Tensor> Inputs(string mask)
    {
        var inputs = new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(LinearModels.RandomInput(Batch * Sequence * Hidden, 5, -2, 2), Batch, Sequence, Hidden) };
        if (mask == "mask-index") inputs["lengths"] = Tensor.FromArray(new[] { Sequence, Sequence - 3 }, Batch);
        if (mask == "attention-bias")
        {
            // Padding: the last 3 keys of the second sequence are masked out.
            var bias = new float[Batch * Sequence * Sequence];
            for (int q = 0; q < Sequence; q++) for (int k = Sequence - 3; k < Sequence; k++) bias[Sequence * Sequence + q * Sequence + k] = -10000;
            inputs["mask"] = Tensor.FromArray(bias, Batch, 1, Sequence, Sequence);
        }
        return inputs;
    }

    [Theory]
    [InlineData("none", "QAttention", 17)]
    [InlineData("causal", "QAttention", 17)]
    [InlineData("mask-index", "QAttention", 17)]
    [InlineData("attention-bias", "MultiHeadAttention", 17)]
    // Before opset 11 there is no DynamicQuantizeLinear for QAttention's input (Paddle2ONNX exports opset 9).
    [InlineData("none", "MultiHeadAttention", 9)]
    [InlineData("causal", "MultiHeadAttention", 9)]
    public void Packed_projection_is_int8_and_the_output_stays_close(string mask, string op, long opset)
    {
        using var model = AttentionModel(mask, opset);
        var inputs = Inputs(mask);
        var reference = LinearModels.RunInOrt(model, inputs);

        var result = new QuantizeInt8Dynamic().Run(model, new PassContext());

        Assert.Equal(1, result.Counts["quantized-attention"]);
        var ops = model.Graph.Nodes.Select(n => n.OpType).ToList();
        Assert.Contains(op, ops);
        Assert.DoesNotContain("Attention", ops);
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name == "qkv_weight");
        var quantized = LinearModels.RunInOrt(model, inputs);
        double cosine = OutputSimilarity.Cosine(reference, quantized);
        double maxError = reference.Zip(quantized, (r, q) => Math.Abs(r - q)).Max(), scale = reference.Max(Math.Abs);
        Assert.True(cosine >= 0.999, $"cosine {cosine}");
        Assert.True(maxError <= 0.05 * scale, $"max error {maxError} against max |y| {scale}");
    }

    [Fact]
    public void Mask_index_before_opset_11_stays_fp32_with_the_reason()
    {
        using var model = AttentionModel("mask-index", opset: 9);
        var context = new PassContext { Explain = true };

        Assert.False(new QuantizeInt8Dynamic().Run(model, context).Counts.ContainsKey("quantized-attention"));

        Assert.Contains(model.Graph.Nodes, n => n.OpType == "Attention");
        Assert.Contains(context.Log, e => !e.Applied && e.Message.Contains("needs opset 11; the model is opset 9", StringComparison.Ordinal));
    }

    [Fact]
    public void Attention_outside_the_selection_and_in_the_standard_form_stays_fp32()
    {
        using var selected = AttentionModel("none");
        var context = new PassContext();
        new QuantizeInt8Dynamic(new Int8Options { IncludeLayer = id => id != "layer0/Attention" }).Run(selected, context);
        Assert.Contains(selected.Graph.Nodes, n => n.OpType == "Attention");

        using var standard = AttentionModel("none");
        var result = new QuantizeInt8Dynamic(new Int8Options { Form = DynamicInt8Form.Standard }).Run(standard, new PassContext());
        Assert.Equal(0, result.Counts.GetValueOrDefault("quantized-attention"));
        Assert.Contains(standard.Graph.Nodes, n => n.OpType == "Attention");
    }

    [Fact]
    public void A_non_constant_packed_weight_is_a_near_miss_with_its_reason()
    {
        using var model = AttentionModel("none");
        var attention = model.Graph.Nodes.Single();
        attention.ReplaceInput(1, model.Graph.AddInput(new Value("w", new TensorType(DataType.Float, Shape.Of(Hidden, 3 * Hidden)))));
        Assert.Equal("the packed QKV weight is not a constant", FusedAttention.Find(attention).Reason);
    }

    [Fact]
    public void After_O2_no_vit_attention_keeps_an_fp32_projection()
    {
        using var model = Onnxc.Samples.SampleModels.Build("vit-tiny");
        var samples = CalibrationData.GenerateFor(model, 2);
        new PassManager(Pipelines.ForLevel(2)).Run(model);
        int fused = model.Graph.Nodes.Count(n => n.OpType == "Attention");
        Assert.True(fused > 0, "-O2 fused no attention in vit-tiny");
        var reference = TaskMetrics.Evaluate(model, samples);

        var result = new QuantizeInt8Dynamic().Run(model, new PassContext());

        Assert.Equal(fused, result.Counts["quantized-attention"]);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "Attention");
        double cosine = OutputSimilarity.MeanCosine(reference, TaskMetrics.Evaluate(model, samples));
        Assert.True(cosine >= 0.99, $"vit-tiny -O2 int8 cosine {cosine}");
    }
}

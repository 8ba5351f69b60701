using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Fusion.Attention;
using Onnxc.Passes.Quantization;
using Onnxc.Passes.Quantization.WeightOnly;
using Onnxc.Samples;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Quantization;

/// <summary>
/// split-attention-projections after -O2: every fused Attention becomes Q/K/V MatMuls + MultiHeadAttention with the
/// same outputs under ONNX Runtime, so weight-only quantization reaches the projections.
/// </summary>
public sealed class SplitAttentionProjectionsTests : IDisposable
{
    private static readonly Tolerance Fp32 = new("fp32-attention", 1e-4, 1e-4);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("onnxc-split-attn-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static void RunO2(Model model) =>
        new PassManager(Pipelines.ForLevel(2)) { Verifier = PassVerification.FirstError }.Run(model, new PassContext());

    private void AssertSameOutputs(Model reference, Model candidate, IReadOnlyDictionary<string, long> dims)
    {
        var referencePath = Path.Combine(_dir.FullName, "reference.onnx");
        var candidatePath = Path.Combine(_dir.FullName, "candidate.onnx");
        OnnxExporter.Save(reference, referencePath);
        OnnxExporter.Save(candidate, candidatePath);
        var report = ModelVerifier.Verify(referencePath, candidatePath, new VerifyOptions { Samples = 2, Dims = dims, Tolerance = Fp32 });
        Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
    }

    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("vit-tiny")]
    [InlineData("gpt2-tiny")]
    public void Fused_attention_splits_into_projections_with_the_same_outputs(string sample)
    {
        // The reference is the original (its Gathers bound the generated token ids); -O2 alone matches it (AttentionFusionTests).
        using var original = SampleModels.Build(sample);
        using var split = SampleModels.Build(sample);
        RunO2(split);
        int attention = split.Graph.Nodes.Count(n => n.Is("Attention", AttentionBuilder.MicrosoftDomain));
        int matmuls = split.Graph.Nodes.Count(n => n.Is("MatMul"));
        // ViT's last block is already MultiHeadAttention after -O2 (select-rows-early splits it for the CLS query).
        int unpacked = split.Graph.Nodes.Count(n => n.Is("MultiHeadAttention", AttentionBuilder.MicrosoftDomain));
        Assert.True(attention > 0);

        var result = new SplitAttentionProjections().Run(split, new PassContext());

        Assert.Equal(attention, result.Counts["split-attention"]);
        Assert.DoesNotContain(split.Graph.Nodes, n => n.Is("Attention", AttentionBuilder.MicrosoftDomain));
        Assert.Equal(unpacked + attention, split.Graph.Nodes.Count(n => n.Is("MultiHeadAttention", AttentionBuilder.MicrosoftDomain)));
        Assert.Equal(matmuls + 3 * attention, split.Graph.Nodes.Count(n => n.Is("MatMul")));
        Assert.False(new SplitAttentionProjections().Run(split, new PassContext()).Changed);
        var dims = sample.StartsWith("vit", StringComparison.Ordinal)
            ? new Dictionary<string, long> { ["batch"] = 2 }
            : new Dictionary<string, long> { ["batch"] = 2, ["sequence"] = 37 };
        AssertSameOutputs(original, split, dims);
    }

    [Fact]
    public void Rotary_attention_is_left_packed_with_the_reason()
    {
        using var model = SampleModels.Build("bert-tiny");
        RunO2(model);
        var attention = model.Graph.Nodes.First(n => n.Is("Attention", AttentionBuilder.MicrosoftDomain));
        attention.SetAttribute(Onnxc.Ir.Attribute.Int("do_rotary", 1));
        var context = new PassContext { Explain = true };

        new SplitAttentionProjections().Run(model, context);

        Assert.Contains(model.Graph.Nodes, n => ReferenceEquals(n, attention));
        Assert.Contains(context.Log, e => !e.Applied && e.Message == "rotary attention (do_rotary) is left fp32");
    }

    [Fact]
    public void Attention_with_a_mask_index_is_left_packed_with_the_reason()
    {
        using var model = SampleModels.Build("bert-tiny");
        RunO2(model);
        var attention = model.Graph.Nodes.First(n => n.Is("Attention", AttentionBuilder.MicrosoftDomain));
        var lengths = model.Graph.AddInput(new Value("lengths", new TensorType(DataType.Int32, Shape.Of(2))));
        while (attention.Inputs.Count < 3) attention.AppendInput(null);
        attention.TruncateInputs(3);
        attention.AppendInput(lengths);
        var context = new PassContext { Explain = true };

        new SplitAttentionProjections().Run(model, context);

        Assert.Contains(model.Graph.Nodes, n => ReferenceEquals(n, attention));
        Assert.Contains(context.Log, e => !e.Applied && e.Message == "mask_index has no MultiHeadAttention equivalent here");
    }

    [Fact]
    public void Weight_only_int4_after_O2_quantizes_the_attention_projections_too()
    {
        using var model = SampleModels.Build("bert-tiny");
        RunO2(model);
        int attention = model.Graph.Nodes.Count(n => n.Is("Attention", AttentionBuilder.MicrosoftDomain));

        new QuantizeWeights(new QuantizeWeightsOptions()).Run(model, new PassContext());

        Assert.DoesNotContain(model.Graph.Nodes, n => n.Is("Attention", AttentionBuilder.MicrosoftDomain));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Is("MatMul"));
        Assert.True(model.Graph.Nodes.Count(n => n.Is("MatMulNBits", "com.microsoft")) >= 3 * attention);
    }

    [Fact]
    public void Excluded_attention_keeps_its_packed_float_weights()
    {
        using var model = SampleModels.Build("bert-tiny");
        RunO2(model);
        var names = model.Graph.Nodes.Where(n => n.Is("Attention", AttentionBuilder.MicrosoftDomain)).Select(n => n.Name!).ToList();

        new QuantizeWeights(new QuantizeWeightsOptions { Exclude = [names[0]] }).Run(model, new PassContext());

        Assert.Single(model.Graph.Nodes, n => n.Is("Attention", AttentionBuilder.MicrosoftDomain) && n.Name == names[0]);
    }
}

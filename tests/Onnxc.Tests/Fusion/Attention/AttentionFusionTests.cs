using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Fusion.Attention;
using Onnxc.Samples;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Fusion.Attention;

/// <summary>
/// fuse-attention on our samples and on the two real exports: how many blocks fuse, that ORT runs the result with
/// the same outputs (rtol/atol 1e-4), and that near misses are refused with their reason.
/// </summary>
public class AttentionFusionTests
{
    private static readonly Tolerance Fp32 = new("fp32-attention", 1e-4, 1e-4);

    [Theory]
    [InlineData("bert-tiny", "attention", 2)]
    [InlineData("vit-tiny", "attention", 2)]
    [InlineData("gpt2-tiny", "causal-attention", 2)]
    public void Fuses_every_sample_block_and_keeps_outputs(string sample, string rule, int expected)
    {
        using var model = SampleModels.Build(sample);
        var path = Temp(sample + ".onnx");
        OnnxExporter.Save(model, path);
        var context = new PassContext();
        var result = RunO2(model, context);
        Assert.Equal(expected, result.GetValueOrDefault(rule));
        // ViT's last block ends as MultiHeadAttention: select-rows-early splits it so only the CLS query is computed.
        Assert.Equal(expected, model.Graph.Nodes.Count(n => n.Is("Attention", AttentionBuilder.MicrosoftDomain) || n.Is("MultiHeadAttention", AttentionBuilder.MicrosoftDomain)));
        AssertSameOutputs(path, model, new Dictionary<string, long> { ["batch"] = 2, ["sequence"] = 37 });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    public void Bert_exported_through_sdpa_fuses_and_keeps_outputs(long sequence)
    {
        // HF's BertSdpaSelfAttention: q and kᵀ each scaled by √s, the mask expanded and masked_fill'ed (a Where).
        using var model = BertBuilder.Build(BertConfig.Tiny, sdpa: true);
        var path = Temp("bert-sdpa.onnx");
        OnnxExporter.Save(model, path);
        var result = RunO2(model, new PassContext());
        Assert.Equal(2, result.GetValueOrDefault("attention"));
        var attention = model.Graph.Nodes.Where(n => n.Is("Attention", AttentionBuilder.MicrosoftDomain)).ToList();
        Assert.Equal(2, attention.Count);
        Assert.All(attention, n => Assert.Equal(1f / MathF.Sqrt(BertConfig.Tiny.HeadSize), n.GetFloat("scale", 0f), 6));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Is("Softmax"));
        AssertSameOutputs(path, model, new Dictionary<string, long> { ["batch"] = 2, ["sequence"] = sequence });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    public void Distilbert_masked_fill_attention_fuses_and_keeps_outputs(long sequence)
    {
        // DistilBERT: q / √d before the product, masked_fill((mask == 0).view(B, 1, 1, T).expand_as(scores), min).
        using var model = BertBuilder.Build(BertConfig.Tiny, maskedFill: true);
        var path = Temp("bert-masked-fill.onnx");
        OnnxExporter.Save(model, path);
        var context = new PassContext { Explain = true };
        var result = RunO2(model, context);
        Assert.True(result.GetValueOrDefault("attention") == 2, string.Join("\n", context.Log.Where(e => !e.Applied)));
        var attention = model.Graph.Nodes.Where(n => n.Is("Attention", AttentionBuilder.MicrosoftDomain)).ToList();
        Assert.Equal(2, attention.Count);
        Assert.All(attention, n => Assert.Equal(1f / MathF.Sqrt(BertConfig.Tiny.HeadSize), n.GetFloat("scale", 0f), 6));
        Assert.Single(attention.Select(n => n.Input(5)).Distinct()); // one additive mask for both layers
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Is("Softmax"));
        AssertSameOutputs(path, model, new Dictionary<string, long> { ["batch"] = 2, ["sequence"] = sequence });

        // Generated masks are all ones: padding, including a row whose every key is masked, needs its own inputs.
        int s = (int)sequence;
        var mask = Enumerable.Repeat(1L, 2 * s).ToArray();
        for (int j = Math.Max(0, s - 3); j < s; j++) mask[s + j] = 0; // row 1: its last three (or only) tokens are padding
        var random = new Random(3);
        var inputs = new List<KeyValuePair<string, Tensor>>
        {
            new("input_ids", Tensor.FromArray(Enumerable.Range(0, 2 * s).Select(_ => (long)random.Next(BertConfig.Tiny.VocabSize)).ToArray(), 2, s)),
            new("attention_mask", Tensor.FromArray(mask, 2, s)),
            new("token_type_ids", Tensor.FromArray(new long[2 * s], 2, s)),
        };
        var feed = Temp("padded.npz");
        NpzFormat.Write(feed, inputs);
        var candidate = Temp("candidate.onnx");
        OnnxExporter.Save(model, candidate);
        var report = ModelVerifier.Verify(path, candidate, new VerifyOptions { InputsPath = feed, Tolerance = Fp32 });
        Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
    }

    [Fact]
    public void A_masked_fill_value_that_scores_would_shift_is_refused_with_the_reason()
    {
        // masked_fill(-1e4): s + fill is not fill, so a row whose keys are all masked would differ as an additive bias.
        using var model = BertBuilder.Build(BertConfig.Tiny, maskedFill: true);
        foreach (var where in model.Graph.Nodes.Where(n => n.Is("Where")).ToList())
        {
            where.ReplaceInput(1, model.Graph.AddInitializer($"fill_{where.Name}", Tensor.Scalar(-1e4f)));
        }
        var context = new PassContext { Explain = true };
        Assert.Equal(0, RunO2(model, context).GetValueOrDefault("attention"));
        Assert.Contains(context.Log, e => !e.Applied && e.Message.Contains("as a masked_fill padding mask: masked_fill value -10000 is above -1e30", StringComparison.Ordinal));
    }

    [Fact]
    public void Llama_attention_is_left_alone_until_rotary_is_fused()
    {
        using var model = SampleModels.Build("llama-tiny");
        var context = new PassContext { Explain = true };
        new AttentionFusionPass().Run(model, context);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Domain == AttentionBuilder.MicrosoftDomain);
        Assert.Contains(context.Log, e => !e.Applied && e.Message.StartsWith("query:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(128)]
    public void Chargpt_causal_attention_fuses_and_matches_at_any_length(long sequence)
    {
        var original = SharedData.RequireOrSkip("models/chargpt-fortunes/model.onnx");
        using var model = OnnxImporter.Load(original);
        var counts = RunO2(model, new PassContext());
        Assert.Equal(4, counts.GetValueOrDefault("causal-attention"));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Is("Softmax") || n.Is("Where"));
        AssertSameOutputs(original, model, new Dictionary<string, long> { ["batch"] = 2, ["sequence"] = sequence });
    }

    [Fact]
    public void Vit_mnist_packed_qkv_fuses_and_matches_with_dynamic_batch()
    {
        var original = SharedData.RequireOrSkip("models/vit-mnist/model.onnx");
        using var model = OnnxImporter.Load(original);
        Assert.Equal(4, RunO2(model, new PassContext()).GetValueOrDefault("attention"));
        AssertSameOutputs(original, model, new Dictionary<string, long> { ["batch"] = 3 });
    }

    [Theory]
    [InlineData("inputs", "outputs")]
    [InlineData("inputs_2", "outputs_2")]
    public void Ppocr_svtr_attention_fuses_and_matches_the_reference_outputs(string inputs, string outputs)
    {
        // Paddle2ONNX, opset 9: packed qkv parts by Slice + Squeeze, query scaled before q·kᵀ, Slice-of-Shape dims.
        var original = SharedData.RequireOrSkip("models/ppocrv4-rec/ch_PP-OCRv4_rec_infer.onnx");
        using var model = OnnxImporter.Load(original);
        Assert.Equal(2, RunO2(model, new PassContext()).GetValueOrDefault("attention"));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Is("Softmax") && n.Output(0).Shape is { Rank: 4 });
        var candidate = Temp("ppocr.onnx");
        OnnxExporter.Save(model, candidate);
        var data = SharedData.RequireOrSkip($"models/ppocrv4-rec/{inputs}.npz");
        var report = ModelVerifier.Verify(original, candidate, new VerifyOptions { InputsPath = data, Tolerance = Fp32 });
        Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));

        // And against the reference outputs shipped with the model (computed by Paddle's own runtime export check).
        using var runner = new OrtRunner(candidate);
        var feed = InputSet.Load(data, runner.Inputs)[0];
        var actual = ((TensorValue)runner.Run(feed).Single().Value!).Tensor;
        var expected = NpzFormat.Read(SharedData.RequireOrSkip($"models/ppocrv4-rec/{outputs}.npz")).Single().Value;
        var comparison = TensorComparer.Compare(expected, actual, Fp32, "softmax_11.tmp_0");
        Assert.True(comparison.Passed, comparison.Reason);
    }

    [Fact]
    public void Mask_buffer_that_is_not_lower_triangular_is_not_causal_but_fuses_as_a_masked_fill()
    {
        var original = SharedData.RequireOrSkip("models/chargpt-fortunes/model.onnx");
        using var model = OnnxImporter.Load(original);
        var buffer = model.Graph.Initializers.Single(v => v.Name == "h.0.attn.bias");
        var values = buffer.Initializer!.ToArray<float>();
        values[1] = 1f; // row 0 may now see column 1: no longer causal
        model.Graph.SetInitializer(buffer, Tensor.FromArray(values, 1, 1, 128, 128));
        var modified = Temp("chargpt-not-causal.onnx");
        OnnxExporter.Save(model, modified);

        var context = new PassContext { Explain = true };
        var counts = RunO2(model, context);
        // Not unidirectional: Where(bias == 0, -inf, scores) is still a masked_fill, which Attention takes as an
        // additive bias, the buffer's window and all.
        Assert.Equal(0, counts.GetValueOrDefault("causal-attention"));
        Assert.Equal(4, counts.GetValueOrDefault("attention"));
        Assert.All(model.Graph.Nodes.Where(n => n.Is("Attention", AttentionBuilder.MicrosoftDomain)), n => Assert.Equal(0, n.GetInt("unidirectional", 0)));
        AssertSameOutputs(modified, model, new Dictionary<string, long> { ["batch"] = 2, ["sequence"] = 37 });
    }

    [Fact]
    public void Softmax_over_another_axis_is_refused()
    {
        using var model = SampleModels.Build("vit-tiny");
        foreach (var softmax in model.Graph.Nodes.Where(n => n.Is("Softmax"))) softmax.SetAttribute(Attribute.Int("axis", 2));
        var context = new PassContext { Explain = true };
        Assert.Equal(0, RunO2(model, context).GetValueOrDefault("attention"));
        Assert.Contains(context.Log, e => e.Message == "Softmax axis is not the last dimension");
    }

    [Fact]
    public void Unmatched_run_leaves_the_model_untouched_including_types()
    {
        using var model = SampleModels.Build("llama-tiny");
        var before = Onnxc.Ir.Text.IrPrinter.Print(model);
        var result = new AttentionFusionPass().Run(model, new PassContext());
        Assert.False(result.Changed);
        Assert.Equal(before, Onnxc.Ir.Text.IrPrinter.Print(model));
    }

    /// <summary>Cleans up, fuses attention and cleans up again (the -O2 order), returning the fusion counts.</summary>
    private static IReadOnlyDictionary<string, int> RunO2(Model model, PassContext context)
    {
        var runs = new PassManager(Pipelines.ForLevel(2)) { Verifier = Onnxc.Passes.PassVerification.FirstError }.Run(model, context);
        return runs.Where(r => r.Pass == "fuse-attention").SelectMany(r => r.Result.Counts).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
    }

    private static void AssertSameOutputs(string original, Model optimized, IReadOnlyDictionary<string, long> dims)
    {
        var candidate = Temp("candidate.onnx");
        OnnxExporter.Save(optimized, candidate);
        var report = ModelVerifier.Verify(original, candidate, new VerifyOptions { Samples = 2, Dims = dims, Tolerance = Fp32 });
        Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
    }

    private static string Temp(string name) => Path.Combine(Directory.CreateTempSubdirectory("onnxc-attn-").FullName, name);
}

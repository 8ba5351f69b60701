using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Fusion.Attention;
using Onnxc.Samples;
using Onnxc.Tests.Passes;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Fusion.Attention;

/// <summary>
/// cached-attention on gpt2-tiny-past: every block becomes MultiHeadAttention with past/present, the present outputs
/// keep their names, and ORT gives the unfused model's outputs at decode (S = 1) and prefill (S = 16) shapes, with
/// all-ones and with padded attention masks; near misses are refused with their reason.
/// </summary>
public class CachedAttentionFusionTests
{
    private static readonly Tolerance Fp32 = new("fp32-attention", 1e-4, 1e-4);
    private static readonly Gpt2Config Config = Gpt2Config.Tiny;
    private static readonly Lazy<string> Fused = new(() =>
    {
        using var model = SampleModels.Build("gpt2-tiny-past");
        Assert.Equal(Config.Layers, RunO2(model, new PassContext()).GetValueOrDefault("cached-attention"));
        var path = Temp("gpt2-tiny-past.o2.onnx");
        OnnxExporter.Save(model, path);
        return path;
    });

    [Fact]
    public void Every_block_becomes_multi_head_attention_with_past_and_present()
    {
        using var model = OnnxImporter.Load(Fused.Value);
        var attention = model.Graph.Nodes.Where(n => n.Is("MultiHeadAttention", AttentionBuilder.MicrosoftDomain)).ToList();
        Assert.Equal(Config.Layers, attention.Count);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Is("Softmax") || n.Is("Where") || n.Is("Concat") && n.Outputs[0].IsGraphOutput);
        for (int i = 0; i < Config.Layers; i++)
        {
            var node = attention.Single(n => n.Input(6)!.Name == $"past_key_values.{i}.key");
            Assert.Equal($"past_key_values.{i}.value", node.Input(7)!.Name);
            Assert.Equal($"present.{i}.key", node.Output(1).Name);
            Assert.Equal($"present.{i}.value", node.Output(2).Name);
            Assert.Equal(1, node.GetInt("unidirectional", 0));
            Assert.Equal(float.MinValue, node.GetAttribute("mask_filter_value")!.AsFloat());
            Assert.NotNull(node.Input(5)); // the padding mask as attention_bias
        }
    }

    [Fact]
    public void One_expanded_padding_mask_serves_every_layer()
    {
        // Each layer's fusion expands the mask to [B, 1, S, P + S] from its own layer's dims; they are the same
        // symbols (sequence, past_sequence), so merge-equal-shapes and CSE leave one mask and one shape chain.
        using var model = OnnxImporter.Load(Fused.Value);
        var masks = model.Graph.Nodes.Where(n => n.Is("MultiHeadAttention", AttentionBuilder.MicrosoftDomain)).Select(n => n.Input(5)).Distinct().ToList();
        Assert.Single(masks);
        Assert.Single(model.Graph.Nodes, n => n.Is("Expand"));
    }

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(1, 1, 1)]
    [InlineData(1, 37, 1)]
    [InlineData(1, 127, 1)]
    [InlineData(16, 0, 1)]
    [InlineData(1, 0, 2)]
    [InlineData(1, 1, 2)]
    [InlineData(1, 37, 2)]
    [InlineData(1, 127, 2)]
    [InlineData(16, 0, 2)]
    public void Matches_the_unfused_model(long sequence, long past, long batch)
    {
        var dims = new Dictionary<string, long>
        {
            [Gpt2PastBuilder.Batch] = batch,
            [Gpt2PastBuilder.Sequence] = sequence,
            [Gpt2PastBuilder.Past] = past,
            [Gpt2PastBuilder.Total] = past + sequence,
        };
        var report = ModelVerifier.Verify(SampleFiles.Get("gpt2-tiny-past"), Fused.Value, new VerifyOptions { Samples = 2, Dims = dims, Tolerance = Fp32 });
        Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
    }

    [Theory]
    [InlineData(1, 9)]
    [InlineData(16, 0)]
    [InlineData(4, 5)]
    public void Matches_the_unfused_model_with_padding(int sequence, int past)
    {
        // Row 1 is left-padded over its first three positions, including queries that see only padding at P = 0:
        // mask_filter_value = the Where's fill keeps even those rows equal to the original.
        const int batch = 2;
        int total = past + sequence;
        var random = new Random(5);
        var mask = Enumerable.Repeat(1L, batch * total).ToArray();
        for (int j = 0; j < 3; j++) mask[total + j] = 0;
        var inputs = new List<KeyValuePair<string, Tensor>>
        {
            new("input_ids", Tensor.FromArray(Enumerable.Range(0, batch * sequence).Select(_ => (long)random.Next(Config.VocabSize)).ToArray(), batch, sequence)),
            new("attention_mask", Tensor.FromArray(mask, batch, total)),
        };
        for (int i = 0; i < Config.Layers; i++)
            foreach (var part in new[] { "key", "value" })
            {
                var values = Enumerable.Range(0, batch * Config.Heads * past * Config.HeadSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                inputs.Add(new($"past_key_values.{i}.{part}", Tensor.FromArray(values, batch, Config.Heads, past, Config.HeadSize)));
            }
        var file = Temp("padded.npz");
        NpzFormat.Write(file, inputs);
        var report = ModelVerifier.Verify(SampleFiles.Get("gpt2-tiny-past"), Fused.Value, new VerifyOptions { InputsPath = file, Tolerance = Fp32 });
        Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
    }

    [Theory]
    [InlineData(1, 37, 2)]
    [InlineData(16, 0, 2)]
    public void Hf_conv1d_projections_fuse_and_match(long sequence, long past, long batch)
    {
        // HuggingFace's Conv1D as exported: Reshape(x, [-1, C]) -> Gemm -> Reshape(x.size()[:-1] + (N,)).
        var folder = Directory.CreateTempSubdirectory("onnxc-kv-conv1d-").FullName;
        var original = Path.Combine(folder, "gpt2-tiny-past-conv1d.onnx");
        using (var model = Gpt2PastBuilder.Build(Config, projections: Projection.Conv1D))
        {
            Assert.Equal(4 * Config.Layers, model.Graph.Nodes.Count(n => n.Is("Gemm")));
            OnnxExporter.Save(model, original);
            Assert.Equal(Config.Layers, RunO2(model, new PassContext()).GetValueOrDefault("cached-attention"));
            OnnxExporter.Save(model, Path.Combine(folder, "fused.onnx"));
        }
        var dims = new Dictionary<string, long>
        {
            [Gpt2PastBuilder.Batch] = batch,
            [Gpt2PastBuilder.Sequence] = sequence,
            [Gpt2PastBuilder.Past] = past,
            [Gpt2PastBuilder.Total] = past + sequence,
        };
        var report = ModelVerifier.Verify(original, Path.Combine(folder, "fused.onnx"), new VerifyOptions { Samples = 2, Dims = dims, Tolerance = Fp32 });
        Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
        // Same weights as the MatMul layout: the two exports compute the same outputs.
        var same = ModelVerifier.Verify(SampleFiles.Get("gpt2-tiny-past"), original, new VerifyOptions { Samples = 1, Dims = dims, Tolerance = Fp32 });
        Assert.True(same.Passed, string.Join("; ", same.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
    }

    [Fact]
    public void Hf_causal_attention_with_padding_and_no_past_runs_as_attention_in_ort()
    {
        // The golden's graph through ORT: Attention with unidirectional=1, attention_bias and mask_filter_value.
        var text = File.ReadAllText(Path.Combine(SharedData.ProjectRoot, "tests", "Onnxc.Tests", "Golden", "attention", "gpt2_causal_padding.onnxtxt"));
        var folder = Directory.CreateTempSubdirectory("onnxc-hf-causal-").FullName;
        var original = Path.Combine(folder, "original.onnx");
        using (var model = Onnxc.Ir.Text.IrParser.ParseModel(text))
        {
            OnnxExporter.Save(model, original);
            new PassManager(Pipelines.FromNames(new[] { "fuse-attention" })) { Verifier = PassVerification.FirstError }.Run(model);
            Assert.Single(model.Graph.Nodes, n => n.Is("Attention", AttentionBuilder.MicrosoftDomain));
            OnnxExporter.Save(model, Path.Combine(folder, "fused.onnx"));
        }
        // Padding of key 0 (-inf-like) makes query 0's row all-masked: mask_filter_value must reproduce it too.
        var inputs = Path.Combine(folder, "inputs.npz");
        var random = new Random(1);
        NpzFormat.Write(inputs, new KeyValuePair<string, Tensor>[]
        {
            new("x", Tensor.FromArray(Enumerable.Range(0, 32).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), 1, 4, 8)),
            new("padding", Tensor.FromArray(new[] { float.MinValue, 0f, 0f, 0f }, 1, 1, 1, 4)),
        });
        var report = ModelVerifier.Verify(original, Path.Combine(folder, "fused.onnx"), new VerifyOptions { InputsPath = inputs, Tolerance = Fp32 });
        Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
    }

    [Fact]
    public void Causal_rows_from_zero_instead_of_the_past_offset_are_refused()
    {
        // bias[:, :, :T, :T] with a past is not causal for the new queries (row i must be P + i).
        using var model = SampleModels.Build("gpt2-tiny-past");
        // The row slices read the buffer itself (layer 0) or through Identity; the column slices read the row slices.
        foreach (var slice in model.Graph.Nodes.Where(n => n.Is("Slice") && n.Input(0)!.Producer is null or { OpType: "Identity" }).ToList())
        {
            var zero = model.Graph.AddInitializer("zero_start", Tensor.Vector(0L));
            slice.ReplaceInput(1, zero);
        }
        AssertRefused(model, "causal mask rows do not start at key length − query length");
    }

    [Fact]
    public void Past_concatenated_on_another_axis_is_refused()
    {
        using var model = SampleModels.Build("gpt2-tiny-past");
        foreach (var concat in model.Graph.Nodes.Where(n => n.Is("Concat") && n.Outputs[0].IsGraphOutput && n.Outputs[0].Name.EndsWith(".value", StringComparison.Ordinal)))
            concat.SetAttribute(Onnxc.Ir.Attribute.Int("axis", 3));
        AssertRefused(model, "past Concat is on axis 3, not the sequence axis 2");
    }

    [Fact]
    public void Present_read_outside_the_pattern_is_refused()
    {
        using var model = SampleModels.Build("gpt2-tiny-past");
        var present = model.Graph.Outputs.Single(o => o.Name == "present.0.key");
        var extra = new Node("Neg", new[] { present }, new[] { "negated_present" });
        model.Graph.Append(extra);
        model.Graph.AddOutput(extra.Output(0));
        var context = new PassContext { Explain = true };
        Assert.Equal(Config.Layers - 1, RunO2(model, context).GetValueOrDefault("cached-attention"));
        Assert.Contains(context.Log, e => e.Rule == "cached-attention" && e.Message.Contains("present key: read by Neg", StringComparison.Ordinal));
    }

    private static void AssertRefused(Model model, string reason)
    {
        var context = new PassContext { Explain = true };
        Assert.Equal(0, RunO2(model, context).GetValueOrDefault("cached-attention"));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Domain == AttentionBuilder.MicrosoftDomain && n.OpType.Contains("Attention", StringComparison.Ordinal));
        Assert.Contains(context.Log, e => e.Rule == "cached-attention" && e.Message.Contains(reason, StringComparison.Ordinal));
    }

    private static IReadOnlyDictionary<string, int> RunO2(Model model, PassContext context)
    {
        var runs = new PassManager(Pipelines.ForLevel(2)) { Verifier = PassVerification.FirstError }.Run(model, context);
        return runs.Where(r => r.Pass == "fuse-attention").SelectMany(r => r.Result.Counts).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
    }

    private static string Temp(string name) => Path.Combine(Directory.CreateTempSubdirectory("onnxc-kv-").FullName, name);
}

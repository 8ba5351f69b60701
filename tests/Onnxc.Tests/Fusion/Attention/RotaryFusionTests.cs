using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Fusion.Attention;
using Onnxc.Samples;

namespace Onnxc.Tests.Fusion.Attention;

/// <summary>
/// fuse-rotary-embedding and the rotary attention rule on llama-tiny: counts, that ORT runs the fused ops with the
/// original's outputs, and the refusals.
/// </summary>
public class RotaryFusionTests
{
    private static readonly Tolerance Fp32 = new("fp32-attention", 1e-4, 1e-4);

    [Fact]
    public void Rotary_fuses_alone_and_keeps_outputs()
    {
        using var model = SampleModels.Build("llama-tiny");
        var path = Temp("llama.onnx");
        OnnxExporter.Save(model, path);
        var counts = Run(model, new PassContext(), new RotaryEmbeddingFusionPass());
        Assert.Equal(4, counts.GetValueOrDefault("rotary-embedding"));
        Assert.Equal(4, model.Graph.Nodes.Count(n => n.Is("RotaryEmbedding", AttentionBuilder.MicrosoftDomain)));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Is("Neg"));
        AssertSameOutputs(path, model, 2, 37);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(128)]
    public void Llama_O2_emits_multi_head_attention_on_rotated_projections(long sequence)
    {
        using var model = SampleModels.Build("llama-tiny");
        var path = Temp("llama.onnx");
        OnnxExporter.Save(model, path);
        var runs = new PassManager(Pipelines.ForLevel(2)) { Verifier = PassVerification.FirstError }.Run(model, new PassContext());
        var counts = runs.SelectMany(r => r.Result.Counts).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
        Assert.Equal(4, counts.GetValueOrDefault("rotary-embedding"));
        Assert.Equal(2, counts.GetValueOrDefault("rotary-attention"));
        Assert.Equal(2, model.Graph.Nodes.Count(n => n.Is("MultiHeadAttention", AttentionBuilder.MicrosoftDomain)));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Is("Softmax") || n.Is("Transpose"));
        AssertSameOutputs(path, model, 2, sequence);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    public void Explicit_position_ids_feed_rotary_embedding_and_keep_outputs(long sequence)
    {
        // HF transformers 4.31-4.37 export Llama with cos_cached[position_ids], position_ids a model input. The
        // verifier feeds random ids below the table size, so rows are gathered out of order too.
        using var model = LlamaBuilder.Build(LlamaConfig.Tiny, positionIdsInput: true);
        var path = Temp("llama-positions.onnx");
        OnnxExporter.Save(model, path);
        var runs = new PassManager(Pipelines.ForLevel(2)) { Verifier = PassVerification.FirstError }.Run(model, new PassContext());
        var counts = runs.SelectMany(r => r.Result.Counts).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
        Assert.Equal(4, counts.GetValueOrDefault("rotary-embedding"));
        Assert.Equal(2, counts.GetValueOrDefault("rotary-attention"));
        var rotary = model.Graph.Nodes.Where(n => n.Is("RotaryEmbedding", AttentionBuilder.MicrosoftDomain)).ToList();
        Assert.Equal(4, rotary.Count);
        Assert.All(rotary, n => Assert.Equal("position_ids", n.Input(1)!.Name));
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Is("Gather") && n.Input(1)?.Name == "position_ids");
        AssertSameOutputs(path, model, 2, sequence);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 37)]
    [InlineData(true, 1)]
    [InlineData(true, 37)]
    public void Cos_and_sin_computed_at_run_time_become_computed_caches_and_keep_outputs(bool positionIdsInput, long sequence)
    {
        // HF transformers >= 4.38 compute cos/sin from inv_freq and the positions in the graph: no cache to gather,
        // so RotaryEmbedding reads caches of cos/sin computed at run time, D/2 wide, one row per token.
        using var model = LlamaBuilder.Build(LlamaConfig.Tiny, positionIdsInput: positionIdsInput, computedRotary: true);
        var path = Temp($"llama-computed-rotary-{positionIdsInput}.onnx");
        OnnxExporter.Save(model, path);
        var runs = new PassManager(Pipelines.ForLevel(2)) { Verifier = PassVerification.FirstError }.Run(model, new PassContext());
        var counts = runs.SelectMany(r => r.Result.Counts).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
        Assert.Equal(4, counts.GetValueOrDefault("rotary-embedding"));
        Assert.Equal(2, counts.GetValueOrDefault("rotary-attention"));
        long half = LlamaConfig.Tiny.HeadSize / 2;
        var waves = model.Graph.Nodes.Where(n => n.Is("Cos") || n.Is("Sin")).ToList();
        Assert.Equal(2, waves.Count);
        Assert.All(waves, n => Assert.Equal(half, n.Output(0).Shape![^1].Value));
        var positions = model.Graph.Nodes.Where(n => n.Is("RotaryEmbedding", AttentionBuilder.MicrosoftDomain)).Select(n => n.Input(1)!).Distinct().ToList();
        Assert.Single(positions);
        Assert.Equal(positionIdsInput, positions[0].Producer is not null);
        AssertSameOutputs(path, model, 2, sequence);
    }

    [Fact]
    public void Computed_angles_of_unknown_batch_are_refused_with_the_reason()
    {
        // Angles whose batch is neither 1 nor the heads' could not be addressed by [B, S] position ids.
        using var model = LlamaBuilder.Build(LlamaConfig.Tiny, positionIdsInput: true, computedRotary: true);
        var ids = model.Graph.Inputs.Single(v => v.Name == "position_ids");
        ids.Type = new TensorType(DataType.Int64, new Shape(new[] { Dim.Named("rows"), ids.Shape![1] }));
        var context = new PassContext { Explain = true };
        Assert.Equal(0, Run(model, context, new RotaryEmbeddingFusionPass()).GetValueOrDefault("rotary-embedding"));
        Assert.Contains(context.Log, e => e.Rule == "rotary-embedding" && e.Message.StartsWith("rotary angles' batch dim rows is neither 1 nor provably the heads' batch", StringComparison.Ordinal));
    }

    [Fact]
    public void Position_ids_that_broadcast_over_the_batch_are_refused()
    {
        // [1, S] ids against a symbolic batch: ORT's op would read row b·S + s past their end.
        using var model = LlamaBuilder.Build(LlamaConfig.Tiny, positionIdsInput: true);
        var ids = model.Graph.Inputs.Single(v => v.Name == "position_ids");
        ids.Type = new TensorType(DataType.Int64, new Shape(new[] { Dim.Of(1), ids.Shape![1] }));
        var context = new PassContext { Explain = true };
        Assert.Equal(0, Run(model, context, new RotaryEmbeddingFusionPass()).GetValueOrDefault("rotary-embedding"));
        Assert.Contains(context.Log, e => e.Rule == "rotary-embedding" && e.Message.StartsWith("cos: position ids [1, sequence] are not provably [batch, sequence]", StringComparison.Ordinal));
    }

    [Fact]
    public void Cache_whose_halves_differ_is_refused()
    {
        using var model = SampleModels.Build("llama-tiny");
        var cos = model.Graph.Initializers.Single(v => v.Name!.EndsWith("cos_cached", StringComparison.Ordinal));
        var values = cos.Initializer!.ToArray<float>();
        values[^1] += 0.5f; // last row: second half no longer repeats the first
        model.Graph.SetInitializer(cos, Tensor.FromArray(values, cos.Initializer.Dims.ToArray()));
        var context = new PassContext { Explain = true };
        Assert.Equal(0, Run(model, context, new RotaryEmbeddingFusionPass()).GetValueOrDefault("rotary-embedding"));
        Assert.Contains(context.Log, e => e.Rule == "rotary-embedding" && e.Message.StartsWith("cos/sin cache halves differ", StringComparison.Ordinal));
    }

    [Fact]
    public void Rotation_that_is_not_rotate_half_is_refused()
    {
        using var model = SampleModels.Build("llama-tiny");
        // Swap the Concat operands: cat(x[:h], -x[h:]) is not rotate_half.
        var concat = model.Graph.Nodes.First(n => n.Is("Concat") && n.Input(0)?.Producer is { OpType: "Neg" });
        var (a, b) = (concat.Input(0), concat.Input(1));
        concat.ReplaceInput(0, b);
        concat.ReplaceInput(1, a);
        var context = new PassContext { Explain = true };
        Assert.Equal(3, Run(model, context, new RotaryEmbeddingFusionPass()).GetValueOrDefault("rotary-embedding"));
        Assert.Contains(context.Log, e => e.Rule == "rotary-embedding" && e.Message == "rotate_half Concat does not start with Neg");
    }

    private static IReadOnlyDictionary<string, int> Run(Model model, PassContext context, IPass pass)
    {
        var result = pass.Run(model, context);
        return result.Counts.GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
    }

    private static void AssertSameOutputs(string original, Model optimized, long batch, long sequence)
    {
        var candidate = Temp("candidate.onnx");
        OnnxExporter.Save(optimized, candidate);
        var dims = new Dictionary<string, long> { ["batch"] = batch, ["sequence"] = sequence };
        var report = ModelVerifier.Verify(original, candidate, new VerifyOptions { Samples = 2, Dims = dims, Tolerance = Fp32 });
        Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
    }

    private static string Temp(string name) => Path.Combine(Directory.CreateTempSubdirectory("onnxc-rotary-").FullName, name);
}

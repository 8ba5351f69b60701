using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Fusion.Attention;
using Onnxc.Samples;

namespace Onnxc.Tests.Fusion.Attention;

/// <summary>fuse-embed-layer-norm on bert-tiny: one fusion in -O2, ORT runs it with the original's outputs, refusals with reasons.</summary>
public class EmbedLayerNormFusionTests
{
    private static readonly Tolerance Fp32 = new("fp32-embed-layer-norm", 1e-4, 1e-4);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 37)]
    [InlineData(3, 128)]
    public void Bert_embeddings_fuse_in_O2_and_keep_outputs(long batch, long sequence)
    {
        using var model = SampleModels.Build("bert-tiny");
        var path = Temp("bert.onnx");
        OnnxExporter.Save(model, path);
        var counts = RunO2(model, new PassContext());
        Assert.Equal(1, counts.GetValueOrDefault("embed-layer-norm"));
        var fused = Assert.Single(model.Graph.Nodes, n => n.Is("EmbedLayerNormalization", AttentionBuilder.MicrosoftDomain));
        // The op only takes int32 ids: the int64 graph input is cast.
        Assert.True(fused.Input(0)!.Producer is { OpType: "Cast" } cast && cast.GetInt("to", 0) == (long)DataType.Int32);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.Is("Gather") && n.Input(1)?.Name == "input_ids");
        var dims = new Dictionary<string, long> { ["batch"] = batch, ["sequence"] = sequence };
        var candidate = Temp("candidate.onnx");
        OnnxExporter.Save(model, candidate);
        var report = ModelVerifier.Verify(path, candidate, new VerifyOptions { Samples = 2, Dims = dims, Tolerance = Fp32 });
        Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
    }

    [Fact]
    public void Position_buffer_that_is_not_an_arange_is_refused()
    {
        using var model = SampleModels.Build("bert-tiny");
        var buffer = model.Graph.Initializers.Single(v => v.Name!.EndsWith("position_ids", StringComparison.Ordinal));
        var values = buffer.Initializer!.ToArray<long>();
        (values[0], values[1]) = (values[1], values[0]);
        model.Graph.SetInitializer(buffer, Tensor.FromArray(values, buffer.Initializer.Dims.ToArray()));
        var context = new PassContext { Explain = true };
        Assert.Equal(0, RunO2(model, context).GetValueOrDefault("embed-layer-norm"));
        Assert.Contains(context.Log, e => e.Rule == "embed-layer-norm" && e.Message == "position buffer is not a constant [1, M] arange");
    }

    [Fact]
    public void Without_layer_norm_fusion_nothing_matches()
    {
        using var model = SampleModels.Build("bert-tiny");
        var result = new EmbedLayerNormFusionPass().Run(model, new PassContext());
        Assert.False(result.Changed);
    }

    private static IReadOnlyDictionary<string, int> RunO2(Model model, PassContext context)
    {
        var runs = new PassManager(Pipelines.ForLevel(2)) { Verifier = PassVerification.FirstError }.Run(model, context);
        return runs.SelectMany(r => r.Result.Counts).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
    }

    private static string Temp(string name) => Path.Combine(Directory.CreateTempSubdirectory("onnxc-embed-").FullName, name);
}

using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Passes;
using Onnxc.Tests.Fusion;

namespace Onnxc.Tests.Passes.Layout;

/// <summary>
/// Why defer-residual-bias is in -O2: with it, ONNX Runtime keeps LayerNormalization on the -O2 graphs instead of
/// fusing its SkipLayerNormalization (slower on CPU); without it, ORT fuses every residual norm.
/// </summary>
public class DeferResidualBiasTests
{
    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("gpt2-tiny")]
    [InlineData("vit-tiny")]
    [InlineData("models/chargpt-fortunes/model.onnx")]
    public void Ort_keeps_layer_normalization_on_the_O2_graph(string name)
    {
        var folder = Directory.CreateTempSubdirectory("onnxc-defer-");
        try
        {
            var without = Optimize(name, folder, "without", Pipelines.ForLevel(2).Where(s => s is not PipelineStep.Single { Pass: Onnxc.Passes.Layout.DeferResidualBiasPass }).ToList());
            var with = Optimize(name, folder, "with", Pipelines.ForLevel(2));
            Assert.True(OrtOps(without, folder).GetValueOrDefault("SkipLayerNormalization") > 0, "ORT no longer fuses SkipLayerNormalization on the undeferred graph; the pass may be unnecessary");
            var ops = OrtOps(with, folder);
            Assert.Equal(0, ops.GetValueOrDefault("SkipLayerNormalization"));
            Assert.True(ops.GetValueOrDefault("LayerNormalization") > 0);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string Optimize(string name, DirectoryInfo folder, string tag, IReadOnlyList<PipelineStep> steps)
    {
        using var model = OnnxImporter.Load(FusionTestModels.File(name));
        new PassManager(steps) { Verifier = PassVerification.FirstError }.Run(model);
        var path = Path.Combine(folder.FullName, tag + ".onnx");
        OnnxExporter.Save(model, path);
        return path;
    }

    /// <summary>Op counts of the graph ONNX Runtime runs at ORT_ENABLE_ALL.</summary>
    private static Dictionary<string, int> OrtOps(string path, DirectoryInfo folder)
    {
        var saved = Path.Combine(folder.FullName, Path.GetFileNameWithoutExtension(path) + ".ort.onnx");
        using (new OrtRunner(path, new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All, OptimizedModelPath = saved }))
        {
        }
        using var optimized = OnnxImporter.Load(saved);
        return optimized.Graph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
    }
}

/// <summary>Weight-rewriting passes (quantization, pruning) run before the layout passes, on the model's own weights.</summary>
public class LayoutOrderTests
{
    [Fact]
    public void Steps_added_for_quantization_go_before_the_layout_passes()
    {
        var marker = new PipelineStep.Single(new Onnxc.Passes.Cleanup.EliminateDeadCode());
        var pipeline = Pipelines.BeforeLayout(Pipelines.ForLevel(2), new[] { marker });
        int at = pipeline.ToList().IndexOf(marker);
        Assert.True(at > 0);
        Assert.All(pipeline.Skip(at + 1), s => Assert.True(s is PipelineStep.Single { Pass: Onnxc.Passes.Layout.PadAliasedReductions or Onnxc.Passes.Layout.DeferResidualBiasPass }));
        Assert.Equal(2, pipeline.Count - at - 1);
    }
}

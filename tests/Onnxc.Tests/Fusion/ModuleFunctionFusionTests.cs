using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Samples;

namespace Onnxc.Tests.Fusion;

/// <summary>
/// torch.onnx.export with <c>export_modules_as_functions</c> hides each layer behind a call of a model-local
/// function. -O2 must inline them and fuse the result into the same graph as the plain export, and ONNX Runtime
/// (which runs the calls itself) must agree with the fused model.
/// </summary>
public class ModuleFunctionFusionTests
{
    [Theory]
    [InlineData("bert-tiny", true)]
    [InlineData("llama-tiny", true)]
    [InlineData("vit-tiny", true)]
    // GPT-2's layers read the one (deduplicated) causal-mask buffer at different points of their bodies, so each
    // layer gets a function of its own: calls of distinct functions, not of one shared body.
    [InlineData("gpt2-tiny", false)]
    [InlineData("gpt2-tiny-past", false)]
    public void O2_inlines_layer_functions_and_fuses_as_without_them(string sample, bool shared)
    {
        using var plain = SampleModels.Build(sample);
        using var modular = ModuleFunctionExport.AsModuleFunctions(SampleModels.Build(sample));
        Assert.NotEmpty(modular.Functions);
        int layers = modular.Graph.Nodes.Count(n => n.Domain == ModuleFunctionExport.Domain);
        Assert.True(layers >= 2, $"{layers} layer calls");
        Assert.Equal(shared ? 1 : layers, modular.Functions.Count);
        var folder = Directory.CreateTempSubdirectory("onnxc-modules-");
        try
        {
            var original = Path.Combine(folder.FullName, "modules.onnx");
            var candidate = Path.Combine(folder.FullName, "o2.onnx");
            OnnxExporter.Save(modular, original);
            Optimize(plain);
            Optimize(modular);
            Assert.Empty(modular.Functions);
            Assert.Equal(Histogram(plain.Graph), Histogram(modular.Graph));
            OnnxExporter.Save(modular, candidate);

            var report = ModelVerifier.Verify(original, candidate, new VerifyOptions
            {
                Samples = 2,
                Dims = new Dictionary<string, long> { ["batch"] = 2, ["sequence"] = 8, [Gpt2PastBuilder.Past] = 3, [Gpt2PastBuilder.Total] = 11 },
                Tolerance = new Tolerance("fp32-fusion", 1e-4, 1e-4),
            });
            Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static void Optimize(Model model) =>
        new PassManager(Pipelines.ForLevel(2)) { Verifier = PassVerification.FirstError }.Run(model);

    private static string Histogram(Graph graph) => string.Join(", ", graph.Nodes
        .GroupBy(n => $"{n.Domain}::{n.OpType}").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
}

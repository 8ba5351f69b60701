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
        int layers = modular.Graph.Nodes.Count(n => n.Domain == ModuleFunctionExport.Domain);
        Assert.True(layers >= 2, $"{layers} layer calls");
        Assert.Equal(shared ? 1 : layers, modular.Functions.Count);
        ExportVariantCheck.O2FusesAsThePlainSample(plain, modular);
        Assert.Empty(modular.Functions);
    }
}

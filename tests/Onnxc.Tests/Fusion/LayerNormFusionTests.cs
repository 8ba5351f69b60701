using Onnxc.Ir.Text;
using Onnxc.Passes;

namespace Onnxc.Tests.Fusion;

/// <summary>fuse-layer-norm on samples and real exports: exact counts, and the near misses --explain reports.</summary>
public class LayerNormFusionTests
{
    [Theory]
    // Samples: 2 layers each; BERT has the embedding LayerNorm plus two per layer, GPT-2/ViT two per layer plus the final one.
    [InlineData("bert-tiny", 5, 0)]
    [InlineData("gpt2-tiny", 5, 0)]
    [InlineData("vit-tiny", 5, 0)]
    [InlineData("llama-tiny", 0, 5)]
    // Real exports (TRAINED.md / README.md): 4 pre-LN blocks + final norm; the wake-word model has 4 LayerNorms,
    // two of them inside an If branch.
    [InlineData("models/vit-mnist/model.onnx", 9, 0)]
    [InlineData("models/chargpt-fortunes/model.onnx", 9, 0)]
    [InlineData("models/openwakeword-hey-jarvis/hey_jarvis_v0.1.onnx", 4, 0)]
    // Silero's Pow/Sqrt is an STFT magnitude and its ReduceMean is no LayerNorm: nothing may fuse.
    [InlineData("models/silero-vad-v5/silero_vad_v5.onnx", 0, 0)]
    public void Fuses_every_norm_and_nothing_else(string model, int layerNorms, int rmsNorms)
    {
        var (fused, _) = FusionTestModels.LoadAndRun(model, "fuse-layer-norm");
        using (fused)
        {
            Assert.Equal(layerNorms, FusionTestModels.Count(fused, "LayerNormalization"));
            Assert.Equal(rmsNorms, FusionTestModels.Count(fused, "SimplifiedLayerNormalization"));
            if (layerNorms > 0) Assert.Equal(0, FusionTestModels.Count(fused, "Sqrt"));
        }
    }

    [Theory]
    [InlineData("ReduceMean(%x) {axes = [1], keepdims = 1}", "Pow(%d, %two)", "axes [1] is not the last axis")]
    [InlineData("ReduceMean(%x) {axes = [-1], keepdims = 1}", "Pow(%d, %three)", "Pow exponent is 3, not 2")]
    public void Near_misses_say_why(string mean, string square, string reason)
    {
        var text = $$"""
            model {
              ir_version 8
              opset_import {"": 14}
            }
            graph ln (%x: f32[2,4,8]) {
              %two: f32[] = [2.0]
              %three: f32[] = [3.0]
              %eps: f32[] = [1e-05]
              %g: f32[8] = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
              %b: f32[8] = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
              %m = {{mean}}
              %d = Sub(%x, %m)
              %p = {{square}}
              %v = ReduceMean(%p) {axes = [-1], keepdims = 1}
              %ve = Add(%v, %eps)
              %s = Sqrt(%ve)
              %n = Div(%d, %s)
              %gn = Mul(%n, %g)
              %y = Add(%gn, %b)
              return %y
            }
            """;
        var log = Explain(text);
        Assert.Contains(log, e => !e.Applied && e.Rule == "layer-norm" && e.Message.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Refuses_when_an_intermediate_escapes()
    {
        const string text = """
            model {
              ir_version 8
              opset_import {"": 14}
            }
            graph ln (%x: f32[2,8]) {
              %two: f32[] = [2.0]
              %eps: f32[] = [1e-05]
              %g: f32[8] = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
              %m = ReduceMean(%x) {axes = [-1], keepdims = 1}
              %d = Sub(%x, %m)
              %p = Pow(%d, %two)
              %v = ReduceMean(%p) {axes = [-1], keepdims = 1}
              %ve = Add(%v, %eps)
              %s = Sqrt(%ve)
              %n = Div(%d, %s)
              %y = Mul(%n, %g)
              %z = Exp(%d)
              return %y, %z
            }
            """;
        var log = Explain(text);
        Assert.Contains(log, e => !e.Applied && e.Message.Contains("%d has readers outside the pattern", StringComparison.Ordinal));
        Assert.DoesNotContain(log, e => e.Applied);
    }

    private static List<ExplainEntry> Explain(string text)
    {
        using var model = IrParser.ParseModel(text);
        var context = new PassContext { Explain = true };
        new PassManager(Pipelines.FromNames(new[] { "fuse-layer-norm" })) { Verifier = PassVerification.FirstError }.Run(model, context);
        return context.Log;
    }
}

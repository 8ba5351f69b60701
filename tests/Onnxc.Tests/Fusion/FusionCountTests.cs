using Onnxc.Ir;
using Onnxc.Passes;

namespace Onnxc.Tests.Fusion;

/// <summary>
/// What -O2's fusions make of each sample and real export, op by op. Counts follow from the architectures in
/// samples/ and ../shared/models (TRAINED.md, README.md); any change in a rule shows up here.
/// </summary>
public class FusionCountTests
{
    private static readonly string[] Fused =
    {
        "LayerNormalization", "SimplifiedLayerNormalization", "com.microsoft::SkipLayerNormalization",
        "com.microsoft::SkipSimplifiedLayerNormalization", "com.microsoft::Gelu", "com.microsoft::FastGelu",
        "com.microsoft::BiasGelu", "com.microsoft::QuickGelu", "Gemm",
    };

    [Theory]
    // Post-LN BERT: the embedding LayerNorm becomes EmbedLayerNormalization (fuse-embed-layer-norm, not counted here),
    // the 2 LayerNorms of each layer absorb the residual and the output projection's
    // bias, the intermediate bias folds into BiasGelu; the Gemm is the pooler's, already in the export.
    [InlineData("bert-tiny", "LayerNormalization 4, com.microsoft::BiasGelu 2, Gemm 1")]
    // Pre-LN GPT-2: ln_1 of layer 0 reads wte + wpe, which broadcasts ([B,S,H] + [S,H]), so it stays a LayerNorm;
    // every later norm reads a residual sum.
    [InlineData("gpt2-tiny", "LayerNormalization 5, com.microsoft::FastGelu 2")]
    // Llama: the first RMSNorm reads the embeddings; layer 0's post-attention residual has a summand whose sequence
    // dim inference cannot resolve (Reshape from a Shape chain), so that one stays unfused (sound, conservative).
    // SiLU is QuickGelu with alpha 1.
    [InlineData("llama-tiny", "SimplifiedLayerNormalization 5, com.microsoft::QuickGelu 2")]
    [InlineData("vit-tiny", "LayerNormalization 5, com.microsoft::BiasGelu 2, Gemm 1")]
    // vit-mnist: 9 LayerNorms (the first reads Add(tokens, pos_embed constant), 8 become SkipLayerNorm), 4 erf GELUs
    // with their fc1 bias; the head Gemm comes from the export.
    [InlineData("models/vit-mnist/model.onnx", "LayerNormalization 9, com.microsoft::BiasGelu 4, Gemm 1")]
    // chargpt: 9 LayerNorms (ln_1 of layer 0 reads the broadcasting wte + wpe), 4 tanh GELUs with their bias.
    [InlineData("models/chargpt-fortunes/model.onnx", "LayerNormalization 9, com.microsoft::FastGelu 4")]
    // openWakeWord: 4 LayerNorms (two inside an If branch) after Gemms of the export; no residual Add feeds them.
    [InlineData("models/openwakeword-hey-jarvis/hey_jarvis_v0.1.onnx", "LayerNormalization 4, Gemm 6")]
    // Silero VAD: its Pow/Sqrt is an STFT magnitude and its ReduceMean no LayerNorm: nothing fuses.
    [InlineData("models/silero-vad-v5/silero_vad_v5.onnx", "")]
    // PP-OCRv4 rec (Paddle2ONNX, opset 9): the SVTR blocks' 4 LayerNorms and the final one; 7 swish (x·sigmoid(αx)),
    // 2 of them in the MLPs and 5 in the conv stages. Its 2 attention blocks: AttentionFusionTests.
    [InlineData("models/ppocrv4-rec/ch_PP-OCRv4_rec_infer.onnx", "LayerNormalization 5, com.microsoft::QuickGelu 7")]
    public void O2_fuses_the_expected_ops(string model, string expected)
    {
        var (fused, _) = FusionTestModels.LoadAndRun(model, "-O2");
        using (fused)
        {
            Assert.Equal(expected, Histogram(fused));
        }
    }

    /// <summary>Skip-LayerNorm is opt-in (slower on ORT's CPU provider), but fuses every residual LayerNorm when asked.</summary>
    [Theory]
    [InlineData("models/vit-mnist/model.onnx", "LayerNormalization 1, com.microsoft::SkipLayerNormalization 8, com.microsoft::BiasGelu 4, Gemm 1")]
    [InlineData("models/chargpt-fortunes/model.onnx", "LayerNormalization 1, com.microsoft::SkipLayerNormalization 8, com.microsoft::FastGelu 4")]
    [InlineData("llama-tiny", "SimplifiedLayerNormalization 1, com.microsoft::SkipSimplifiedLayerNormalization 4, com.microsoft::QuickGelu 2")]
    public void Skip_layer_norm_by_name_after_O2(string model, string expected)
    {
        var (optimized, _) = FusionTestModels.LoadAndRun(model, "-O2");
        using (optimized)
        {
            new PassManager(Pipelines.FromNames(new[] { "fuse-skip-layer-norm" })) { Verifier = PassVerification.FirstError }.Run(optimized);
            Assert.Equal(expected, Histogram(optimized));
        }
    }

    /// <summary>"LayerNormalization 5, ..." for the fused ops present.</summary>
    public static string Histogram(Model model) => string.Join(", ", Fused
        .Select(op => (op, count: op.Split("::") is [var domain, var name] ? FusionTestModels.Count(model, name, domain) : FusionTestModels.Count(model, op)))
        .Where(c => c.count > 0)
        .Select(c => $"{c.op} {c.count}"));
}

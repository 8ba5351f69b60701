using System.Text.Json;
using Onnxc.Ir;
using Onnxc.Samples;
using Onnxc.Tests.Support;
using static Onnxc.Tests.Samples.SampleGraphFacts;

namespace Onnxc.Tests.Samples;

/// <summary>
/// Built at the sizes of the two exporter-made models in shared/models (TRAINED.md), the samples reproduce their
/// op histograms, initializer counts and parameter counts — evidence that the layout is the exporter's.
/// </summary>
public class SampleExporterParityTests
{
    /// <summary>chargpt-fortunes: d 128, 4 layers, 4 heads, 96 characters, context 128.</summary>
    private static readonly Gpt2Config CharGpt = new(4, 128, 4, 96, 128);

    /// <summary>vit-mnist: 28×28×1, patch 4, 4 blocks, d 96, 3 heads, MLP 384, 10 classes.</summary>
    private static readonly VitConfig VitMnist = new(28, 4, 1, 4, 96, 3, 384, 10);

    [Fact]
    public void Gpt2_matches_the_exported_chargpt_graph_op_for_op()
    {
        var meta = ReadMeta("chargpt-fortunes");
        using var model = Gpt2Builder.Build(CharGpt);
        // Constants included: the sample writes its scalars and shape pieces as the exporter did.
        Assert.Equal(ExpectedHistogram(meta), Sorted(Histogram(model.Graph)));
        Assert.Equal(meta.GetProperty("onnx").GetProperty("initializers").GetInt32(), model.Graph.Initializers.Count);
        Assert.Equal(meta.GetProperty("onnx").GetProperty("initializer_params").GetInt64(), InitializerElements(model.Graph));
        Assert.Equal(meta.GetProperty("parameters").GetInt64(), CharGpt.ParameterCount);
    }

    [Fact]
    public void Vit_matches_the_exported_vit_mnist_graph_apart_from_constants()
    {
        var meta = ReadMeta("vit-mnist");
        using var model = VitBuilder.Build(VitMnist);
        var expected = ExpectedHistogram(meta);
        var actual = Sorted(Histogram(model.Graph));
        // torch folded some of timm's Constant nodes differently; every computing op matches.
        expected.Remove("Constant");
        actual.Remove("Constant");
        Assert.Equal(expected, actual);
        Assert.Equal(meta.GetProperty("onnx").GetProperty("initializers").GetInt32(), model.Graph.Initializers.Count);
        Assert.Equal(meta.GetProperty("parameters").GetInt64(), InitializerElements(model.Graph));
        Assert.Equal(meta.GetProperty("parameters").GetInt64(), VitMnist.ParameterCount);
    }

    [Fact]
    public void Realistic_presets_have_the_published_parameter_counts()
    {
        Assert.Equal(109_482_240, BertConfig.BertBase.ParameterCount);
        Assert.Equal(124_439_808, Gpt2Config.Gpt2Small.ParameterCount);
        Assert.Equal(86_567_656, VitConfig.VitB16.ParameterCount);
    }

    private static JsonElement ReadMeta(string model)
    {
        var path = SharedData.RequireOrSkip($"models/{model}/meta.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
    }

    private static SortedDictionary<string, int> ExpectedHistogram(JsonElement meta) =>
        new(meta.GetProperty("onnx").GetProperty("op_histogram").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32()), StringComparer.Ordinal);

    private static SortedDictionary<string, int> Sorted(Dictionary<string, int> histogram) => new(histogram, StringComparer.Ordinal);
}

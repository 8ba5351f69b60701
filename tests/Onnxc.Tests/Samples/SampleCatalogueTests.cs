using Onnxc.Ir;
using Onnxc.Samples;

namespace Onnxc.Tests.Samples;

public class SampleCatalogueTests
{
    [Fact]
    public void Catalogue_names_every_kind_and_size_once()
    {
        var names = SampleModels.Catalogue.Select(e => e.Name).ToList();
        Assert.Equal(Enum.GetValues<SampleKind>().Length * Enum.GetValues<SampleSize>().Length, names.Distinct().Count());
        Assert.Contains("bert-base", names);
        Assert.Contains("gpt2-tiny", names);
        var entry = SampleModels.Find("LLAMA-Tiny");
        Assert.Equal((SampleKind.Llama, SampleSize.Tiny), (entry.Kind, entry.Size));
    }

    [Fact]
    public void Unknown_name_is_a_usage_error_listing_the_names()
    {
        var error = Assert.Throws<OnnxcException>(() => SampleModels.Find("t5-small"));
        Assert.Equal(DiagnosticIds.Usage, error.Diagnostic.Id);
        Assert.Contains("vit-tiny", error.Diagnostic.Hint);
    }

    [Fact]
    public void Building_by_name_matches_building_by_kind()
    {
        using var byName = SampleModels.Build("vit-tiny", seed: 2);
        using var byKind = SampleModels.Build(SampleKind.Vit, SampleSize.Tiny, seed: 2);
        Assert.Equal(byKind.Graph.NodeCount, byName.Graph.NodeCount);
        Assert.True(byKind.Graph.Initializers[0].Initializer!.ContentEquals(byName.Graph.Initializers[0].Initializer!));
    }
}

using Onnxc.Ir;
using Onnxc.Samples;

namespace Onnxc.Tests.Fusion;

/// <summary>
/// torch.onnx.export with <c>do_constant_folding=False</c> writes nn.Linear as MatMul(x, Transpose(W)). -O2 must fuse
/// such an export into the same graph as the folded one, and ONNX Runtime must run it within fp32 rounding.
/// </summary>
public class UnfoldedExportFusionTests
{
    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("vit-tiny")]
    [InlineData("llama-tiny")]
    [InlineData("gpt2-tiny-past")]
    // GPT-2's LM head is tied: unfolded, it reads the embedding table through a Transpose. The tiny table is small
    // enough for fold-constants to copy; a real one (38M elements) stays behind its Transpose, since folding it would
    // store the table twice (FoldWeightTransposesTests).
    [InlineData("gpt2-tiny")]
    public void O2_fuses_an_unfolded_export_as_it_fuses_the_folded_one(string sample)
    {
        using var folded = SampleModels.Build(sample);
        using var unfolded = UnfoldedExport.WithoutConstantFolding(SampleModels.Build(sample));
        Assert.True(Count(unfolded.Graph, "Transpose") > Count(folded.Graph, "Transpose"), "the unfolded sample reads its weights through Transposes");
        ExportVariantCheck.O2FusesAsThePlainSample(folded, unfolded);
    }

    private static int Count(Graph graph, string op) => graph.Nodes.Count(n => n.Is(op));
}

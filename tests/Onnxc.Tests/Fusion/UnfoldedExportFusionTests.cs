using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
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
        var folder = Directory.CreateTempSubdirectory("onnxc-unfolded-");
        try
        {
            var original = Path.Combine(folder.FullName, "unfolded.onnx");
            var candidate = Path.Combine(folder.FullName, "o2.onnx");
            OnnxExporter.Save(unfolded, original);
            Optimize(folded);
            Optimize(unfolded);
            Assert.Equal(Text(Histogram(folded.Graph)), Text(Histogram(unfolded.Graph)));
            OnnxExporter.Save(unfolded, candidate);

            var report = ModelVerifier.Verify(original, candidate, new VerifyOptions
            {
                Samples = 2,
                Dims = new Dictionary<string, long> { ["batch"] = 2, ["sequence"] = 8, ["past_sequence"] = 3, ["past_sequence + sequence"] = 11 },
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

    private static string Text(SortedDictionary<string, int> histogram) => string.Join(", ", histogram.Select(p => $"{p.Key} {p.Value}"));

    private static int Count(Graph graph, string op) => graph.Nodes.Count(n => n.Is(op));

    private static SortedDictionary<string, int> Histogram(Graph graph) =>
        new(graph.Nodes.GroupBy(n => $"{n.Domain}::{n.OpType}").ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal);
}

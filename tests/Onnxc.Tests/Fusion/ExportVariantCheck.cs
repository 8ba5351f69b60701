using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Samples;

namespace Onnxc.Tests.Fusion;

/// <summary>
/// The check an exporter variant of a sample must pass: -O2 turns it into the graph it makes of the plain sample
/// (the same op histogram), and ONNX Runtime gives the variant's own outputs from the result.
/// </summary>
internal static class ExportVariantCheck
{
    private static readonly Dictionary<string, long> Dims = new()
    {
        ["batch"] = 2,
        ["sequence"] = 8,
        [Gpt2PastBuilder.Past] = 3,
        [Gpt2PastBuilder.Total] = 11,
    };

    /// <summary>Optimizes both models in place (-O2) and asserts the above.</summary>
    public static void O2FusesAsThePlainSample(Model plain, Model variant)
    {
        var folder = Directory.CreateTempSubdirectory("onnxc-export-variant-");
        try
        {
            var original = Path.Combine(folder.FullName, "variant.onnx");
            var candidate = Path.Combine(folder.FullName, "o2.onnx");
            OnnxExporter.Save(variant, original);
            Optimize(plain);
            Optimize(variant);
            Assert.Equal(Histogram(plain.Graph), Histogram(variant.Graph));
            OnnxExporter.Save(variant, candidate);
            var report = ModelVerifier.Verify(original, candidate, new VerifyOptions
            {
                Samples = 2,
                Dims = Dims,
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

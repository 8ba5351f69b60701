using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Passes;
using Onnxc.Samples;

namespace Onnxc.Tests.Fusion;

/// <summary>
/// The same samples written for newer opsets (ReduceMean axes as an input from 18, standard LayerNormalization
/// from 17, standard Gelu from 20): -O2 fuses the same ops, and ONNX Runtime runs the result within fp32 rounding.
/// </summary>
public class FusionOpsetTests
{
    [Theory]
    [InlineData("bert-tiny", 18, "LayerNormalization 4, com.microsoft::BiasGelu 2, Gemm 1")]
    [InlineData("gpt2-tiny", 21, "LayerNormalization 5, com.microsoft::FastGelu 2")]
    [InlineData("llama-tiny", 21, "SimplifiedLayerNormalization 5, com.microsoft::QuickGelu 2")]
    [InlineData("vit-tiny", 21, "LayerNormalization 5, com.microsoft::BiasGelu 2, Gemm 1")]
    public void O2_fuses_and_runs_at_newer_opsets(string sample, int opset, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("onnxc-fusion-opset-");
        try
        {
            var original = Path.Combine(folder.FullName, "original.onnx");
            var candidate = Path.Combine(folder.FullName, "o2.onnx");
            using (var model = SampleModels.Build(sample, opset: opset)) OnnxExporter.Save(model, original);
            using (var model = OnnxImporter.Load(original))
            {
                new PassManager(Pipelines.ForLevel(2)) { Verifier = PassVerification.FirstError }.Run(model);
                Assert.Equal(expected, FusionCountTests.Histogram(model));
                OnnxExporter.Save(model, candidate);
            }
            var report = ModelVerifier.Verify(original, candidate, new VerifyOptions
            {
                Samples = 2,
                Dims = new Dictionary<string, long> { ["batch"] = 2, ["sequence"] = 16 },
                Tolerance = new Tolerance("fp32-fusion", 1e-4, 1e-4),
            });
            Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

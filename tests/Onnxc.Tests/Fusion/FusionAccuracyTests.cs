using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Fusion;

/// <summary>
/// -O2 (clean-up + fusions) on the real exports against the original under ONNX Runtime, on the models' own test
/// data: fp32 rewrites, so outputs must agree within rtol 1e-4, atol 1e-4.
/// </summary>
public class FusionAccuracyTests
{
    [Theory]
    [InlineData("models/vit-mnist/model.onnx", "models/vit-mnist/x_test.npy")]
    [InlineData("models/chargpt-fortunes/model.onnx", "models/chargpt-fortunes/x_test.npy")]
    [InlineData("models/openwakeword-hey-jarvis/hey_jarvis_v0.1.onnx", "models/openwakeword-hey-jarvis/inputs.npz")]
    [InlineData("models/silero-vad-v5/silero_vad_v5.onnx", "models/silero-vad-v5/inputs.npz")]
    [InlineData("models/ppocrv4-rec/ch_PP-OCRv4_rec_infer.onnx", "models/ppocrv4-rec/inputs.npz")]
    [InlineData("models/ppocrv4-rec/ch_PP-OCRv4_rec_infer.onnx", "models/ppocrv4-rec/inputs_2.npz")]
    public void O2_output_matches_the_original(string model, string inputs)
    {
        var original = SharedData.RequireOrSkip(model);
        var (fused, _) = FusionTestModels.LoadAndRun(model, "-O2");
        var folder = Directory.CreateTempSubdirectory("onnxc-fusion-");
        try
        {
            var candidate = Path.Combine(folder.FullName, "fused.onnx");
            using (fused) OnnxExporter.Save(fused, candidate);
            var report = ModelVerifier.Verify(original, candidate, new VerifyOptions
            {
                InputsPath = SharedData.RequireOrSkip(inputs),
                Tolerance = new Tolerance("fp32-fusion", 1e-4, 1e-4),
            });
            foreach (var output in report.Outputs)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"{model} {output.Name}: max abs error {output.MaxAbsError:G3}, max rel {output.MaxRelError:G3}");
            }
            Assert.True(report.Passed, string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Conformance;

public class OrtRunnerTests
{
    [Theory]
    [InlineData("test_add")]
    [InlineData("test_if")]
    [InlineData("test_sequence_insert_at_back")]
    [InlineData("test_string_concat")]
    [InlineData("test_optional_get_element_optional_sequence")]
    [InlineData("test_optional_has_element_empty_optional_input")]
    [InlineData("test_add_uint64")]
    public void Reproduces_the_reference_outputs(string test)
    {
        var dir = SharedData.RequireOrSkip("conformance/onnx-node/" + test);
        using var runner = new OrtRunner(Path.Combine(dir, "model.onnx"));
        var sample = Assert.Single(InputSet.Load(Path.Combine(dir, "test_data_set_0"), runner.Inputs));

        var outputs = runner.Run(sample);

        Assert.Equal(runner.Outputs.Select(o => o.Name), outputs.Select(o => o.Name));
        for (int k = 0; k < outputs.Count; k++)
        {
            var expected = ProtobufValueFiles.Read(Path.Combine(dir, "test_data_set_0", $"output_{k}.pb"), runner.Outputs[k].Type);
            var comparison = TensorComparer.Compare(expected, outputs[k].Value, Tolerance.OnnxBackend, outputs[k].Name);
            Assert.True(comparison.Passed, comparison.Reason);
        }
    }

    [Fact]
    public void Optimization_level_all_gives_the_same_result()
    {
        var dir = SharedData.RequireOrSkip("conformance/onnx-node/test_add");
        var model = Path.Combine(dir, "model.onnx");
        var report = ModelVerifier.Verify(model, model, new VerifyOptions
        {
            Samples = 3,
            Runner = new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All },
        });
        Assert.True(report.Passed);
        Assert.Equal(3, report.Samples);
        Assert.All(report.Outputs, o => Assert.True(o.BitIdentical));
        Assert.Contains("\"maxAbsError\"", report.ToJson());
    }

    [Fact]
    public void Verify_fails_on_a_different_model_and_rejects_a_missing_output()
    {
        var abs = Path.Combine(SharedData.RequireOrSkip("conformance/onnx-node/test_abs"), "model.onnx");
        var neg = Path.Combine(SharedData.RequireOrSkip("conformance/onnx-node/test_neg"), "model.onnx");
        var add = Path.Combine(SharedData.RequireOrSkip("conformance/onnx-node/test_add"), "model.onnx");
        // Both map x to y; on U(-1,1) inputs abs and neg differ in sign wherever x > 0.
        var report = ModelVerifier.Verify(abs, neg, new VerifyOptions { Seed = 1 });
        Assert.False(report.Passed);
        Assert.True(report.Outputs[0].CosineSimilarity < 0.5);
        Assert.True(report.Outputs[0].MaxAbsError > 0.5);

        var error = Assert.Throws<OnnxcException>(() => ModelVerifier.Verify(add, abs));
        Assert.Equal(DiagnosticIds.OutputMismatch, error.Diagnostic.Id);
    }

    [Fact]
    public void Float8_model_is_reported_as_unsupported_by_the_CSharp_API()
    {
        var dir = SharedData.RequireOrSkip("conformance/onnx-node/test_cast_FLOAT_to_FLOAT8E4M3FN");
        var error = Assert.Throws<OnnxcException>(() => new OrtRunner(Path.Combine(dir, "model.onnx")));
        Assert.Equal(DiagnosticIds.RuntimeFailed, error.Diagnostic.Id);
        Assert.Contains("test_cast_FLOAT_to_FLOAT8E4M3FN", error.Message);
    }

    [Fact]
    public void Unknown_input_name_is_an_input_error()
    {
        var dir = SharedData.RequireOrSkip("conformance/onnx-node/test_abs");
        using var runner = new OrtRunner(Path.Combine(dir, "model.onnx"));
        var error = Assert.Throws<OnnxcException>(() => runner.Run(new Dictionary<string, RuntimeValue?> { ["nope"] = Tensor.Vector(1f) }));
        Assert.Equal(DiagnosticIds.InputData, error.Diagnostic.Id);
    }
}

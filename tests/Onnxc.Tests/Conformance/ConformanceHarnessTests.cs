using Onnxc.Conformance;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Conformance;

public class ConformanceHarnessTests
{
    private static readonly ConformanceOptions CopyRoundTrip = new()
    {
        Filter = "onnx-node/test_a*",
        Subset = true,
        SubsetStride = 7,
        RoundTrip = (source, target) => File.Copy(source, target, overwrite: true),
    };

    [Fact]
    public void Identity_round_trip_never_fails()
    {
        var root = SharedData.RequireOrSkip("conformance");
        var report = ConformanceHarness.Run(root, CopyRoundTrip);
        TestContext.Current.TestOutputHelper?.WriteLine(report.Summary());
        Assert.True(report.Total >= 20, report.Summary());
        Assert.True(report.Passed > report.Total / 2, report.Summary());
        Assert.Empty(report.Tests.Where(t => t.Outcome == ConformanceOutcome.Fail).Select(t => $"{t.Test}: {t.Reason}"));
        Assert.All(report.Tests.Where(t => t.Outcome == ConformanceOutcome.Pass), t => Assert.True(t.ExactMatchWithOriginal));
        Assert.Contains("\"ort-cannot-run\"", report.ToJson());
    }

    [Fact]
    public void Broken_round_trips_are_classified_fail_with_the_stage()
    {
        var root = SharedData.RequireOrSkip("conformance");
        var garbage = ConformanceHarness.Run(root, CopyRoundTrip with
        {
            Filter = "onnx-node/test_add",
            Subset = false,
            RoundTrip = (_, target) => File.WriteAllBytes(target, new byte[] { 1, 2, 3 }),
        });
        var add = Assert.Single(garbage.Tests, t => t.Test == "onnx-node/test_add");
        Assert.Equal(ConformanceOutcome.Fail, add.Outcome);
        Assert.Contains("round-tripped model", add.Reason);

        // Swapping in another model with the same interface (x -> y) changes the values: a mismatch.
        var neg = Path.Combine(root, "onnx-node", "test_neg", "model.onnx");
        var wrong = ConformanceHarness.Run(root, CopyRoundTrip with
        {
            Filter = "onnx-node/test_abs",
            Subset = false,
            RoundTrip = (_, target) => File.Copy(neg, target, overwrite: true),
        });
        var mismatch = Assert.Single(wrong.Tests);
        Assert.Equal(ConformanceOutcome.Fail, mismatch.Outcome);
        Assert.Contains("output 'y'", mismatch.Reason);

        var throwing = ConformanceHarness.Run(root, CopyRoundTrip with { Filter = "onnx-node/test_abs", Subset = false, RoundTrip = (_, _) => throw new InvalidOperationException("boom") });
        Assert.Contains("boom", Assert.Single(throwing.Tests).Reason);
    }

    [Fact]
    public void Subset_keeps_flagged_tests()
    {
        var root = SharedData.RequireOrSkip("conformance");
        var tests = ConformanceHarness.Select(root, new ConformanceOptions { Subset = true });
        Assert.Contains(tests, t => t.Id == "onnx-node/test_if");
        Assert.Contains(tests, t => t.Id == "onnx-node/test_string_concat");
        Assert.InRange(tests.Count, 200, 700);
    }
}

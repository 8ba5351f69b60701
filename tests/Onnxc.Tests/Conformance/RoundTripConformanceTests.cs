using Onnxc.Conformance;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Conformance;

/// <summary>
/// The required rule: every ONNX backend test that ONNX Runtime runs correctly from the original file still
/// passes after import into the IR and export back. The subset runs in the default suite; the whole corpus is
/// an explicit test (`dotnet test ... -- --explicit only --filter-class '*RoundTripConformanceTests'`) and `make conformance`.
/// </summary>
public class RoundTripConformanceTests
{
    [Theory]
    [InlineData(OrtOptimizationLevel.DisableAll)]
    [InlineData(OrtOptimizationLevel.All)]
    public void Subset_round_trip_through_the_IR_never_fails(OrtOptimizationLevel level) => RunAndAssertNoFailures(subset: true, level);

    [Fact(Explicit = true)]
    public void Full_corpus_round_trip_through_the_IR_never_fails() => RunAndAssertNoFailures(subset: false, OrtOptimizationLevel.DisableAll);

    private static void RunAndAssertNoFailures(bool subset, OrtOptimizationLevel level)
    {
        var root = SharedData.RequireOrSkip("conformance");
        var report = ConformanceHarness.Run(root, new ConformanceOptions { Subset = subset, OptimizationLevel = level });
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine(report.Summary());
        foreach (var test in report.Tests.Where(t => t.Outcome != ConformanceOutcome.Pass))
        {
            output?.WriteLine($"{test.Outcome}: {test.Test}: {test.Reason}");
        }
        var json = Environment.GetEnvironmentVariable("ONNXC_CONFORMANCE_JSON");
        if (!string.IsNullOrEmpty(json)) report.WriteJson(json.Replace("{level}", level.ToString()));

        Assert.True(report.Passed > 0, report.Summary());
        Assert.Empty(report.Tests.Where(t => t.Outcome == ConformanceOutcome.Fail).Select(t => $"{t.Test}: {t.Reason}"));
    }
}

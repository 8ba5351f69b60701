namespace Onnxc.Tests.Golden;

public class FileCheckTests
{
    private const string Output = "graph g () {\n  %a = Relu(%x)\n  %b = Neg(%a)\n  return %b\n}";

    private static CheckLine C(string kind, string pattern) => new(kind, pattern, 1);

    [Fact]
    public void Checks_match_in_order_with_flexible_whitespace_and_regex()
    {
        Assert.Null(FileCheck.Run([C("CHECK", "%a =   Relu(%x)"), C("CHECK-NEXT", "%b = {{[A-Z][a-z]+}}(%a)"), C("CHECK-NOT", "Relu"), C("CHECK", "return %b")], Output));
    }

    [Fact]
    public void Check_fails_when_the_pattern_only_occurs_earlier()
    {
        Assert.Contains("no match", FileCheck.Run([C("CHECK", "Neg"), C("CHECK", "Relu")], Output));
    }

    [Fact]
    public void Check_next_fails_when_a_line_intervenes()
    {
        Assert.Contains("does not match", FileCheck.Run([C("CHECK", "Relu"), C("CHECK-NEXT", "return")], Output));
    }

    [Fact]
    public void Check_not_fails_between_matches_and_at_the_end()
    {
        Assert.Contains("forbidden", FileCheck.Run([C("CHECK", "graph"), C("CHECK-NOT", "Neg"), C("CHECK", "return")], Output));
        Assert.Contains("forbidden", FileCheck.Run([C("CHECK", "Relu"), C("CHECK-NOT", "}")], Output));
    }

    [Fact]
    public void Unknown_pipeline_name_fails_the_golden_test_saying_so()
    {
        var error = Assert.ThrowsAny<Exception>(() => GoldenTestRunner.FindPipeline("no-such-pipeline", "x.onnxtxt", 1));
        Assert.Contains("no IGoldenPipeline named 'no-such-pipeline'", error.Message);
        Assert.Equal("print", GoldenTestRunner.FindPipeline("print", "x.onnxtxt", 1).Name);
    }
}

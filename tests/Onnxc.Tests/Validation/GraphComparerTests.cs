using Onnxc.Ir;
using Onnxc.Ir.Text;
using Onnxc.Ir.Validation;

namespace Onnxc.Tests.Validation;

public class GraphComparerTests
{
    private const string Text = """
        graph g (%x: f32[2], %c: bool[]) {
          %w: f32[2] = [1.0, 2.0]
          %a = Add(%x, %w) {alpha = 0.5}
          %b = Mul(%a, %x)
          %y = If(%c) {
            then_branch = graph () {
              %n = Neg(%a)
              return %n
            },
            else_branch = graph () {
              return %b
            }
          }
          return %y
        }
        """;

    [Fact]
    public void Equal_graphs_have_no_difference() => Assert.Null(GraphComparer.Compare(IrParser.ParseGraph(Text), IrParser.ParseGraph(Text)));

    [Theory]
    [InlineData("%b = Mul(%a, %x)", "%b = Mul(%x, %a)", "node 1 (Mul -> %b): input 0")]
    [InlineData("{alpha = 0.5}", "{alpha = 0.25}", "attribute 'alpha': 0.5 vs 0.25")]
    [InlineData("[1.0, 2.0]", "[1.0, 3.0]", "initializer %w: tensor values differ")]
    [InlineData("%n = Neg(%a)", "%n = Neg(%b)", "then_branch")]
    [InlineData("%x: f32[2]", "%x: f32[3]", "input 0: %x has type f32[2] vs f32[3]")]
    public void First_difference_is_named(string from, string to, string expected)
    {
        var difference = GraphComparer.Compare(IrParser.ParseGraph(Text), IrParser.ParseGraph(Text.Replace(from, to)));
        Assert.NotNull(difference);
        Assert.Contains(expected, difference);
    }
}

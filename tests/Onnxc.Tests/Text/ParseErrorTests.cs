using Onnxc.Ir;
using Onnxc.Ir.Text;

namespace Onnxc.Tests.Text;

public class ParseErrorTests
{
    [Theory]
    [InlineData("graph g (%x: f32[2]) {\n  %y = Relu(%x\n  return %y\n}", "3:3: expected ')', found 'return'")]
    [InlineData("graph g (%x: f33[2]) {\n  return %x\n}", "1:14: unknown type 'f33'")]
    [InlineData("graph g () {\n  %y = Relu(%nowhere)\n  return %y\n}", "2:13: %nowhere is used but never defined")]
    [InlineData("graph g (%x: f32) {\n  %y = Relu(%x)\n  %y = Neg(%x)\n  return %y\n}", "3:3: %y is already defined in this graph")]
    [InlineData("graph g () {\n  %c: f32[3] = [1.0, 2.0]\n  return %c\n}", "2:16: f32 tensor needs 3 values, found 2")]
    [InlineData("graph g () {\n  %c: i8[1] = [300]\n  return %c\n}", "2:16: 300 is out of range for i8")]
    [InlineData("graph g () {\n  %c: f32 = [1.0]\n  return %c\n}", "2:13: the values of %c need a static tensor type")]
    [InlineData("graph g (%x: f32) {\n  %y = Op(%x) {axes = []}\n  return %y\n}", "2:23: an empty list needs the attribute's kind: axes: ints = []")]
    [InlineData("graph g (%x: f32) {\n  %y = Op(%x) {a = @b}\n  return %y\n}", "2:20: a reference attribute needs its kind")]
    [InlineData("graph g () {\n  doc \"unterminated\n}", "2:7: unterminated string")]
    [InlineData("graph g () {\n  doc \"bad \\q escape\"\n}", "2:12: invalid escape")]
    [InlineData("graph g () {\n  $\n}", "2:3: unexpected character '$'")]
    [InlineData("graph g () {\n  return\n} trailing", "3:3: expected end of input, found 'trailing'")]
    [InlineData("model {\n  ir_verison 10\n}", "2:3: unknown model field 'ir_verison'")]
    public void Errors_name_line_column_and_what_was_expected(string text, string expected)
    {
        var error = Assert.Throws<OnnxcException>(() =>
        {
            if (text.StartsWith("model", StringComparison.Ordinal)) IrParser.ParseModel(text);
            else IrParser.ParseGraph(text);
        });
        Assert.Equal(DiagnosticIds.TextSyntax, error.Diagnostic.Id);
        Assert.Contains(expected, error.Message);
    }
}

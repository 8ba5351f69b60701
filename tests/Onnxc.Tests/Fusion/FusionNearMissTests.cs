using Onnxc.Ir.Text;
using Onnxc.Passes;

namespace Onnxc.Tests.Fusion;

/// <summary>
/// Patterns that almost match: each rule leaves the graph alone and says why in the --explain log. The graphs are
/// the golden files' shapes with one thing wrong.
/// </summary>
public class FusionNearMissTests
{
    private const string Header = """
        model {
          ir_version 8
          opset_import {"": 14, "com.microsoft": 1}
        }
        """;

    [Theory]
    [InlineData("fuse-gelu", "gelu", """
        graph g (%x: f32[2,8]) {
          %sqrt2: f32[] = [1.4142135]
          %one: f32[] = [1.0]
          %quarter: f32[] = [0.25]
          %a = Div(%x, %sqrt2)
          %e = Erf(%a)
          %e1 = Add(%e, %one)
          %xe = Mul(%x, %e1)
          %y = Mul(%xe, %quarter)
          return %y
        }
        """, "the constant factor is 0.25, not 0.5")]
    [InlineData("fuse-gelu", "gelu", """
        graph g (%x: f32[2,8]) {
          %two: f32[] = [2.0]
          %one: f32[] = [1.0]
          %half: f32[] = [0.5]
          %a = Div(%x, %two)
          %e = Erf(%a)
          %e1 = Add(%e, %one)
          %xe = Mul(%x, %e1)
          %y = Mul(%xe, %half)
          return %y
        }
        """, "erf input is scaled by 0.5, not 1/√2")]
    [InlineData("fuse-gelu", "gelu", """
        graph g (%x: f32[2,8]) {
          %sqrt2: f32[] = [1.4142135]
          %one: f32[] = [1.0]
          %half: f32[] = [0.5]
          %a = Div(%x, %sqrt2)
          %e = Erf(%a)
          %e1 = Add(%e, %one)
          %xe = Mul(%x, %e1)
          %y = Mul(%xe, %half)
          return %y, %e
        }
        """, "%e has readers outside the pattern")]
    [InlineData("fuse-gelu", "fast-gelu", """
        graph g (%x: f32[2,8]) {
          %half: f32[] = [0.5]
          %three: f32[] = [3.0]
          %c: f32[] = [0.05]
          %k: f32[] = [0.7978846]
          %one: f32[] = [1.0]
          %h = Mul(%x, %half)
          %cube = Pow(%x, %three)
          %cc = Mul(%cube, %c)
          %inner = Add(%x, %cc)
          %scaled = Mul(%inner, %k)
          %t = Tanh(%scaled)
          %t1 = Add(%t, %one)
          %y = Mul(%h, %t1)
          return %y
        }
        """, "cubic coefficient is 0.05, not 0.044715")]
    [InlineData("fuse-layer-norm", "simplified-layer-norm", """
        graph g (%x: f32[2,3,4]) {
          %three: f32[] = [3.0]
          %eps: f32[] = [1e-06]
          %w: f32[4] = [1.0, 0.5, 2.0, 1.5]
          %p = Pow(%x, %three)
          %ms = ReduceMean(%p) {axes = [-1]}
          %a = Add(%ms, %eps)
          %s = Sqrt(%a)
          %n = Div(%x, %s)
          %y = Mul(%n, %w)
          return %y
        }
        """, "Pow exponent is 3, not 2")]
    [InlineData("fuse-layer-norm", "layer-norm", """
        graph g (%x: f32[2,3,4]) {
          %two: f32[] = [2.0]
          %eps: f32[] = [1e-05]
          %g: f32[3,4] = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
          %m = ReduceMean(%x) {axes = [-1]}
          %d = Sub(%x, %m)
          %p = Pow(%d, %two)
          %v = ReduceMean(%p) {axes = [-1]}
          %ve = Add(%v, %eps)
          %s = Sqrt(%ve)
          %n = Div(%d, %s)
          %y = Mul(%n, %g)
          return %y
        }
        """, "gamma has shape [3,4], not a 1-D vector over the last axis")]
    [InlineData("fuse-skip-layer-norm", "skip-layer-norm", """
        graph g (%x: f32[2,4,8], %pos: f32[4,8]) {
          %g: f32[8] = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
          %h = Add(%x, %pos)
          %y = LayerNormalization(%h, %g) {axis = -1, epsilon = 1e-05}
          return %y
        }
        """, "summand shapes [2,4,8] and [4,8] differ")]
    [InlineData("fuse-bias-gelu", "bias-gelu", """
        graph g (%x: f32[2,3,4]) {
          %b: f32[4] = [0.1, -0.1, 0.2, -0.2]
          %biased = Add(%x, %b)
          %y = com.microsoft::Gelu(%biased)
          return %y, %biased
        }
        """, "%biased has readers outside the pattern")]
    [InlineData("fuse-bias-gelu", "bias-gelu", """
        graph g (%x: f32[2,3,4]) {
          %b: f32[3,4] = [0.1, -0.1, 0.2, -0.2, 0.1, -0.1, 0.2, -0.2, 0.1, -0.1, 0.2, -0.2]
          %biased = Add(%x, %b)
          %y = com.microsoft::Gelu(%biased)
          return %y
        }
        """, "bias has shape [3,4], not a 1-D vector")]
    [InlineData("fuse-matmul-bias", "matmul-bias", """
        graph g (%x: f32[2,3,4]) {
          %w: f32[4,2] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
          %b: f32[2] = [1.0, -1.0]
          %mm = MatMul(%x, %w)
          %y = Add(%mm, %b)
          return %y
        }
        """, "MatMul input has rank 3; Gemm takes 2-D inputs only")]
    public void Rule_reports_why_it_did_not_apply(string pass, string rule, string graph, string reason)
    {
        using var model = IrParser.ParseModel(Header + "\n" + graph);
        var before = IrPrinter.Print(model.Graph);
        var context = new PassContext { Explain = true };
        new PassManager(Pipelines.FromNames(new[] { pass })) { Verifier = PassVerification.FirstError }.Run(model, context);

        Assert.DoesNotContain(context.Log, e => e.Applied);
        Assert.Contains(context.Log, e => e.Rule == rule && e.Message.Contains(reason, StringComparison.Ordinal));
        // Shape-aware passes may add types; the ops must stay exactly as they were.
        Assert.Equal(Ops(before), Ops(IrPrinter.Print(model.Graph)));
    }

    private static string Ops(string printed) =>
        string.Join("\n", printed.Split('\n').Select(l => l.Contains(" = ", StringComparison.Ordinal) ? l[(l.IndexOf(" = ", StringComparison.Ordinal) + 3)..] : l));
}

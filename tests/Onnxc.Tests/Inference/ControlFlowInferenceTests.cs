using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class ControlFlowInferenceTests
{
    [Fact]
    public void If_types_both_branches_and_joins_their_outputs()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "b", 4);
        var thenBranch = new Graph("then");
        var relu = thenBranch.Append("Relu", new[] { x });
        thenBranch.AddOutput(relu.Output());
        var elseBranch = new Graph("else");
        var concat = elseBranch.Append("Concat", new[] { x, x }, attributes: new[] { Attribute.Int("axis", 0) });
        elseBranch.AddOutput(concat.Output());
        var node = f.Op("If", new Value?[] { f.Input("cond", DataType.Bool) }, Attribute.FromGraph("then_branch", thenBranch), Attribute.FromGraph("else_branch", elseBranch));
        f.RunClean();
        HasType("f32[b,4]", relu.Output());
        HasType("f32[b + b,4]", concat.Output()); // a sum of symbols is the symbol of the sum
        HasType("f32[?,4]", node.Output()); // b and b + b: no common dim
    }

    [Fact]
    public void Loop_types_body_formals_and_stacks_scan_outputs()
    {
        var f = new InferenceFixture();
        var body = new Graph("body");
        var iter = body.AddInput(new Value("i"));
        var condIn = body.AddInput(new Value("cond_in"));
        var acc = body.AddInput(new Value("acc"));
        var step = body.Append("Add", new[] { acc, f.Input("delta", 3) });
        var cast = body.Append("Cast", new[] { iter }, attributes: new[] { Attribute.Int("to", (long)DataType.Float) });
        var condOut = body.Append("Identity", new[] { condIn });
        body.AddOutput(condOut.Output());
        body.AddOutput(step.Output());
        body.AddOutput(cast.Output());
        var loop = f.Op("Loop", new Value?[] { f.Input("m", DataType.Int64), null, f.Input("init", 3) }, 2, Attribute.FromGraph("body", body));
        f.RunClean();
        HasType("i64[]", iter);
        HasType("bool[]", condOut.Output());
        HasType("f32", acc);
        HasType("f32", loop.Output(0)); // the body only sees the element type, so the shape is not carried
        HasType("f32[?]", loop.Output(1));
    }

    [Fact]
    public void Scan_slices_scan_inputs_for_the_body_and_stacks_outputs_on_the_axis()
    {
        var f = new InferenceFixture();
        var body = new Graph("body");
        var state = body.AddInput(new Value("state"));
        var row = body.AddInput(new Value("row"));
        var sum = body.Append("Add", new[] { state, row });
        var doubled = body.Append("Add", new[] { row, row });
        body.AddOutput(sum.Output());
        body.AddOutput(doubled.Output());
        var scan = f.Op("Scan", new Value?[] { f.Input("init", 4), f.Input("seq", 4, "t") }, 2,
            Attribute.FromGraph("body", body), Attribute.Int("num_scan_inputs", 1), Attribute.Ints("scan_input_axes", 1), Attribute.Ints("scan_output_axes", -1));
        f.RunClean();
        HasType("f32[4]", row);
        HasType("f32[4]", scan.Output(0));
        HasType("f32[4,t]", scan.Output(1));
    }
}

using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class ElementwiseInferenceTests
{
    [Fact]
    public void Broadcasting_keeps_symbols_and_lets_static_dims_win_over_one()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "batch", 1, 128);
        var y = f.Input("y", 1, "seq", 128);
        var add = f.Op("Add", x, y);
        f.RunClean();
        HasType("f32[batch,seq,128]", add.Output());
    }

    [Fact]
    public void Broadcasting_symbol_against_same_symbol_stays_and_against_other_becomes_unknown()
    {
        var f = new InferenceFixture();
        var a = f.Input("a", "batch", "seq");
        var b = f.Input("b", "batch", "other");
        var mul = f.Op("Mul", a, b);
        f.RunClean();
        HasType("f32[batch,?]", mul.Output());
    }

    [Fact]
    public void Broadcasting_unknown_against_static_n_gives_n_and_against_one_stays_unknown()
    {
        var f = new InferenceFixture();
        var a = f.Input("a", null, null, 7);
        var b = f.Input("b", 5, 1, null);
        var sub = f.Op("Sub", a, b);
        f.RunClean();
        HasType("f32[5,?,7]", sub.Output());
    }

    [Fact]
    public void Broadcasting_lower_rank_operand_aligns_right()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "batch", 12, "seq", "seq");
        var bias = f.Input("bias", "seq");
        var div = f.Op("Div", x, bias);
        f.RunClean();
        HasType("f32[batch,12,seq,seq]", div.Output());
    }

    [Fact]
    public void Clashing_static_dims_report_a_shape_mismatch()
    {
        var f = new InferenceFixture();
        var add = f.Op("Add", f.Input("a", 3, 4), f.Input("b", 3, 5));
        var result = f.Run();
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticIds.ShapeMismatch, diagnostic.Id);
        Assert.Null(add.Output().Type);
    }

    [Fact]
    public void Comparisons_and_logic_give_bool()
    {
        var f = new InferenceFixture();
        var a = f.Input("a", "batch", 4);
        var equal = f.Op("Equal", a, f.Input("b", 1, 4));
        var less = f.Op("Less", a, f.Input("c", 4));
        var and = f.Op("And", equal.Output(), less.Output());
        var not = f.Op("Not", and.Output());
        f.RunClean();
        HasType("bool[batch,4]", equal.Output());
        HasType("bool[batch,4]", and.Output());
        HasType("bool[batch,4]", not.Output());
    }

    [Fact]
    public void Where_broadcasts_three_inputs_and_takes_the_value_type()
    {
        var f = new InferenceFixture();
        var where = f.Op("Where", f.Input("c", DataType.Bool, 1, "seq"), f.Input("x", DataType.Float16, "batch", 1), f.Input("y", DataType.Float16, 1));
        f.RunClean();
        HasType("f16[batch,seq]", where.Output());
    }

    [Fact]
    public void Pow_takes_the_base_type()
    {
        var f = new InferenceFixture();
        var pow = f.Op("Pow", f.Input("x", "n", 3), f.Input("e", DataType.Int64));
        f.RunClean();
        HasType("f32[n,3]", pow.Output());
    }

    [Fact]
    public void Before_opset_7_broadcasting_is_legacy_and_keeps_the_first_shape()
    {
        var f = new InferenceFixture(opset: 6);
        var add = f.Op("Add", new Value?[] { f.Input("a", 2, 3, 4), f.Input("b", 3) }, Attribute.Int("broadcast", 1), Attribute.Int("axis", 1));
        f.RunClean();
        HasType("f32[2,3,4]", add.Output());
    }

    [Fact]
    public void Variadic_max_broadcasts_all_inputs()
    {
        var f = new InferenceFixture();
        var max = f.Op("Max", f.Input("a", 1, 3), f.Input("b", "n", 1), f.Input("c", 3));
        f.RunClean();
        HasType("f32[n,3]", max.Output());
    }

    [Fact]
    public void Unary_math_keeps_type_and_shape()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", DataType.Float16, "batch", "seq", 768);
        var last = x;
        foreach (var op in new[] { "Sqrt", "Erf", "Tanh", "Relu", "Sigmoid", "Exp", "Log", "Neg", "Abs", "Softmax", "LogSoftmax", "Gelu" })
        {
            last = f.Op(op, last).Output();
        }
        f.RunClean();
        HasType("f16[batch,seq,768]", last);
    }

    [Fact]
    public void Cast_and_CastLike_change_only_the_element_type()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "batch", 3);
        var cast = f.Op("Cast", new Value?[] { x }, Attribute.Int("to", (long)DataType.Int32));
        var like = f.Op("CastLike", x, f.Input("t", DataType.Float16, 1));
        f.RunClean();
        HasType("i32[batch,3]", cast.Output());
        HasType("f16[batch,3]", like.Output());
    }

    [Fact]
    public void Inputs_of_unknown_rank_give_element_type_only()
    {
        var f = new InferenceFixture();
        var add = f.Op("Add", f.UnrankedInput("x"), f.Input("y", 3));
        f.RunClean();
        HasType("f32", add.Output());
    }
}

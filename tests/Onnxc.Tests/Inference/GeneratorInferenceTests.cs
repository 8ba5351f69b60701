using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class GeneratorInferenceTests
{
    [Fact]
    public void Constant_types_every_value_attribute_kind()
    {
        var f = new InferenceFixture();
        var tensor = f.Op("Constant", Array.Empty<Value?>(), Attribute.FromTensor("value", Tensor.FromArray(new[] { 1.0, 2.0 }, 2, 1)));
        var flt = f.Op("Constant", Array.Empty<Value?>(), Attribute.Float("value_float", 1));
        var flts = f.Op("Constant", Array.Empty<Value?>(), Attribute.Floats("value_floats", 1, 2, 3));
        var i = f.Op("Constant", Array.Empty<Value?>(), Attribute.Int("value_int", 1));
        var ints = f.Op("Constant", Array.Empty<Value?>(), Attribute.Ints("value_ints", 1, 2));
        var s = f.Op("Constant", Array.Empty<Value?>(), Attribute.String("value_string", "a"));
        var ss = f.Op("Constant", Array.Empty<Value?>(), Attribute.Strings("value_strings", "a", "b", "c", "d"));
        f.RunClean();
        HasType("f64[2,1]", tensor.Output());
        HasType("f32[]", flt.Output());
        HasType("f32[3]", flts.Output());
        HasType("i64[]", i.Output());
        HasType("i64[2]", ints.Output());
        HasType("string[]", s.Output());
        HasType("string[4]", ss.Output());
    }

    [Fact]
    public void ConstantOfShape_takes_shape_from_known_values_and_type_from_the_fill()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "b", 7);
        var shape = f.Op("Shape", x);
        var zeros = f.Op("ConstantOfShape", shape.Output());
        var ones = f.Op("ConstantOfShape", new Value?[] { f.Ints("s", 2, 3) }, Attribute.FromTensor("value", Tensor.Vector(1L)));
        f.RunClean();
        HasType("f32[b,7]", zeros.Output());
        HasType("i64[2,3]", ones.Output());
    }

    [Fact]
    public void Range_length_comes_from_constant_inputs()
    {
        var f = new InferenceFixture();
        var ints = f.Op("Range", f.Scalar("start", 2), f.Scalar("limit", 11), f.Scalar("delta", 3));
        var floats = f.Op("Range", f.Graph.AddInitializer("fs", Tensor.Scalar(0f)), f.Graph.AddInitializer("fl", Tensor.Scalar(1f)), f.Graph.AddInitializer("fd", Tensor.Scalar(0.25f)));
        var down = f.Op("Range", f.Scalar("s2", 10), f.Scalar("l2", 4), f.Scalar("d2", -2));
        var dynamic = f.Op("Range", f.Scalar("s3", 0), f.Input("n", DataType.Int64), f.Scalar("d3", 1));
        f.RunClean();
        HasType("i64[3]", ints.Output());
        HasType("f32[4]", floats.Output());
        HasType("i64[3]", down.Output());
        HasType("i64[?]", dynamic.Output());
    }

    [Fact]
    public void Range_from_zero_by_one_to_a_symbolic_dim_has_that_length()
    {
        var f = new InferenceFixture();
        var ids = f.Input("ids", "batch", "sequence");
        var shape = f.Op("Shape", ids);
        var length = f.Op("Gather", new Value?[] { shape.Output(), f.Scalar("one", 1) }, Attribute.Int("axis", 0));
        var positions = f.Op("Range", f.Scalar("zero", 0), length.Output(), f.Scalar("step", 1));
        var odd = f.Op("Range", f.Scalar("two", 2), length.Output(), f.Scalar("step2", 1));
        f.RunClean();
        HasType("i64[sequence]", positions.Output());
        // Starting elsewhere, the length is sequence-2 (or 0): not a dim onnxc names.
        HasType("i64[?]", odd.Output());
    }

    [Fact]
    public void Range_over_a_cache_offset_has_the_new_tokens_length()
    {
        // GPT-2 with a KV cache: positions P .. P+S-1 as Range(P, S + P, 1), P and S read from the cache and the ids.
        var f = new InferenceFixture();
        var ids = f.Input("ids", "batch", "sequence");
        var past = f.Input("past", "batch", 12, "past_sequence", 64);
        var s = f.Op("Gather", new Value?[] { f.Op("Shape", ids).Output(), f.Scalar("one", 1) }, Attribute.Int("axis", 0));
        var p = f.Op("Gather", new Value?[] { f.Op("Shape", past).Output(), f.Scalar("two", 2) }, Attribute.Int("axis", 0));
        var end = f.Op("Add", s.Output(), p.Output());
        var positions = f.Op("Range", p.Output(), end.Output(), f.Scalar("step", 1));
        var wrongStart = f.Op("Range", s.Output(), end.Output(), f.Scalar("step2", 1));
        var byTwo = f.Op("Range", p.Output(), end.Output(), f.Scalar("step3", 2));
        f.RunClean();
        HasType("i64[sequence]", positions.Output());
        HasType("i64[past_sequence]", wrongStart.Output()); // (P + S) - S
        HasType("i64[?]", byTwo.Output());
    }
}

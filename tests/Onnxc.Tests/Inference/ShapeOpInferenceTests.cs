using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class ShapeOpInferenceTests
{
    [Theory]
    [InlineData(new long[] { 0, 0, 12, 64 }, "f32[batch,seq,12,64]")]
    [InlineData(new long[] { 0, -1, 64 }, "f32[batch,?,64]")]
    [InlineData(new long[] { -1, 768 }, "f32[?,768]")]
    [InlineData(new long[] { 0, 0, -1 }, "f32[batch,seq,768]")]
    public void Reshape_with_constant_target_copies_zeros_and_infers_minus_one(long[] target, string expected)
    {
        var f = new InferenceFixture();
        var reshape = f.Op("Reshape", f.Input("x", "batch", "seq", 768), f.Ints("shape", target));
        f.RunClean();
        HasType(expected, reshape.Output());
    }

    [Fact]
    public void Reshape_minus_one_is_computed_when_input_is_static()
    {
        var f = new InferenceFixture();
        var reshape = f.Op("Reshape", f.Input("x", 2, 3, 4), f.Ints("shape", 4, -1));
        f.RunClean();
        HasType("f32[4,6]", reshape.Output());
    }

    [Fact]
    public void Reshape_minus_one_cancels_a_symbol_that_appears_on_both_sides()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "batch", 12, 64);
        var shape = f.Op("Shape", x);
        var batch = f.Op("Gather", new Value?[] { shape.Output(), f.Scalar("zero", 0) });
        var unsq = f.Op("Unsqueeze", batch.Output(), f.Ints("axes", 0));
        var target = f.Op("Concat", new Value?[] { unsq.Output(), f.Ints("minus_one", -1) }, Attribute.Int("axis", 0));
        var reshape = f.Op("Reshape", x, target.Output());
        f.RunClean();
        HasType("f32[batch,768]", reshape.Output());
    }

    [Fact]
    public void Reshape_with_allowzero_keeps_zero_as_size()
    {
        var f = new InferenceFixture();
        var reshape = f.Op("Reshape", new Value?[] { f.Input("x", DataType.Float, 0, 3), f.Ints("shape", 3, 0) }, Attribute.Int("allowzero", 1));
        f.RunClean();
        HasType("f32[3,0]", reshape.Output());
    }

    [Fact]
    public void Reshape_with_computed_target_of_known_length_gives_the_rank()
    {
        var f = new InferenceFixture();
        var reshape = f.Op("Reshape", f.Input("x", "batch", 768), f.Input("target", DataType.Int64, 4));
        f.RunClean();
        HasType("f32[?,?,?,?]", reshape.Output());
    }

    [Fact]
    public void Reshape_with_element_count_change_reports_a_mismatch()
    {
        var f = new InferenceFixture();
        f.Op("Reshape", f.Input("x", 2, 3), f.Ints("shape", 4, 2));
        Assert.Equal(DiagnosticIds.ShapeMismatch, Assert.Single(f.Run().Diagnostics).Id);
    }

    [Fact]
    public void Transpose_defaults_to_reversal_and_follows_perm()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "b", "s", 12, 64);
        var reversed = f.Op("Transpose", x);
        var perm = f.Op("Transpose", new Value?[] { x }, Attribute.Ints("perm", 0, 2, 1, 3));
        f.RunClean();
        HasType("f32[64,12,s,b]", reversed.Output());
        HasType("f32[b,12,s,64]", perm.Output());
    }

    [Theory]
    [InlineData(1, "f32[b,60]")]
    [InlineData(-1, "f32[?,5]")]
    [InlineData(0, "f32[1,?]")]
    public void Flatten_multiplies_dims_on_each_side_of_axis(long axis, string expected)
    {
        var f = new InferenceFixture();
        var flatten = f.Op("Flatten", new Value?[] { f.Input("x", "b", 3, 4, 5) }, Attribute.Int("axis", axis));
        f.RunClean();
        HasType(expected, flatten.Output());
    }

    [Fact]
    public void Unsqueeze_and_Squeeze_read_axes_from_attribute_before_opset_13()
    {
        var f = new InferenceFixture(opset: 11);
        var x = f.Input("x", "b", 3);
        var unsq = f.Op("Unsqueeze", new Value?[] { x }, Attribute.Ints("axes", 0, -1));
        var sq = f.Op("Squeeze", new Value?[] { unsq.Output() }, Attribute.Ints("axes", -1));
        f.RunClean();
        HasType("f32[1,b,3,1]", unsq.Output());
        HasType("f32[1,b,3]", sq.Output());
    }

    [Fact]
    public void Unsqueeze_and_Squeeze_read_axes_from_input_from_opset_13()
    {
        var f = new InferenceFixture(opset: 13);
        var x = f.Input("x", "b", 3);
        var unsq = f.Op("Unsqueeze", x, f.Ints("axes", 1, 3));
        var sq = f.Op("Squeeze", unsq.Output(), f.Ints("sq_axes", 1));
        f.RunClean();
        HasType("f32[b,1,3,1]", unsq.Output());
        HasType("f32[b,3,1]", sq.Output());
    }

    [Fact]
    public void Squeeze_without_axes_drops_static_ones_and_gives_up_on_symbols()
    {
        var f = new InferenceFixture();
        var all = f.Op("Squeeze", f.Input("x", 1, 3, 1));
        var symbolic = f.Op("Squeeze", f.Input("y", "b", 1));
        f.RunClean();
        HasType("f32[3]", all.Output());
        HasType("f32", symbolic.Output());
    }

    [Fact]
    public void Squeeze_of_a_dim_that_is_not_one_is_a_mismatch()
    {
        var f = new InferenceFixture();
        f.Op("Squeeze", f.Input("x", 2, 3), f.Ints("axes", 0));
        Assert.Equal(DiagnosticIds.ShapeMismatch, Assert.Single(f.Run().Diagnostics).Id);
    }

    [Fact]
    public void Expand_broadcasts_with_the_target_shape()
    {
        var f = new InferenceFixture();
        var expand = f.Op("Expand", f.Input("x", "b", 1, 1), f.Ints("shape", 1, 4, 8));
        f.RunClean();
        HasType("f32[b,4,8]", expand.Output());
    }

    [Fact]
    public void Tile_multiplies_by_constant_repeats()
    {
        var f = new InferenceFixture();
        var tile = f.Op("Tile", f.Input("x", "b", 3), f.Ints("repeats", 1, 4));
        f.RunClean();
        HasType("f32[b,12]", tile.Output());
    }

    [Fact]
    public void Pad_adds_begin_and_end_pads_from_input_or_attribute()
    {
        var f = new InferenceFixture();
        var fromInput = f.Op("Pad", f.Input("x", "b", 3, 4), f.Ints("pads", 0, 1, 2, 0, 1, 2));
        var old = new InferenceFixture(opset: 2);
        var fromAttribute = old.Op("Pad", new Value?[] { old.Input("x", 5, 6) }, Attribute.Ints("pads", 1, 0, 1, 3));
        f.RunClean();
        old.RunClean();
        HasType("f32[b,5,8]", fromInput.Output());
        HasType("f32[7,9]", fromAttribute.Output());
    }

    [Fact]
    public void Shape_honours_start_and_end_and_Size_is_a_scalar()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "b", "s", 768);
        var whole = f.Op("Shape", x);
        var tail = f.Op("Shape", new Value?[] { x }, Attribute.Int("start", -2));
        var middle = f.Op("Shape", new Value?[] { x }, Attribute.Int("start", 1), Attribute.Int("end", -1));
        var size = f.Op("Size", x);
        f.RunClean();
        HasType("i64[3]", whole.Output());
        HasType("i64[2]", tail.Output());
        HasType("i64[1]", middle.Output());
        HasType("i64[]", size.Output());
    }
}

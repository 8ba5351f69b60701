using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class IndexingInferenceTests
{
    [Fact]
    public void Gather_with_scalar_index_drops_the_axis()
    {
        var f = new InferenceFixture();
        var gather = f.Op("Gather", new Value?[] { f.Input("x", "b", "s", 768), f.Scalar("i", 0) }, Attribute.Int("axis", 1));
        f.RunClean();
        HasType("f32[b,768]", gather.Output());
    }

    [Fact]
    public void Gather_of_embeddings_inserts_the_index_shape_at_a_negative_axis()
    {
        var f = new InferenceFixture();
        var gather = f.Op("Gather", new Value?[] { f.Weight("table", 50257, 768), f.Input("ids", DataType.Int64, "b", "s") }, Attribute.Int("axis", -2));
        f.RunClean();
        HasType("f32[b,s,768]", gather.Output());
    }

    [Fact]
    public void Gather_axis_out_of_range_is_reported()
    {
        var f = new InferenceFixture();
        f.Op("Gather", new Value?[] { f.Input("x", 2, 3), f.Scalar("i", 0) }, Attribute.Int("axis", 2));
        Assert.Equal(DiagnosticIds.ShapeMismatch, Assert.Single(f.Run().Diagnostics).Id);
    }

    [Fact]
    public void Concat_sums_the_axis_and_unifies_the_rest()
    {
        var f = new InferenceFixture();
        var concat = f.Op("Concat", new Value?[] { f.Input("a", "b", 3, 4), f.Input("c", null, 5, 4), f.Input("d", "b", 1, 4) }, Attribute.Int("axis", -2));
        f.RunClean();
        HasType("f32[b,9,4]", concat.Output());
    }

    [Fact]
    public void Concat_with_symbolic_axis_dims_gives_their_sum()
    {
        var f = new InferenceFixture();
        var concat = f.Op("Concat", new Value?[] { f.Input("past", "b", 12, "past_seq", 64), f.Input("now", "b", 12, "seq", 64) }, Attribute.Int("axis", 2));
        f.RunClean();
        HasType("f32[b,12,past_seq + seq,64]", concat.Output()); // the name exporters give a cache's total length
    }

    [Theory]
    [InlineData(new long[] { 1 }, new long[] { 3 }, null, null, "f32[2,b,10]")]
    [InlineData(new long[] { -3 }, new long[] { long.MaxValue }, null, null, "f32[3,b,10]")]
    [InlineData(new long[] { 0, 2 }, new long[] { 100, -1 }, new long[] { 0, 2 }, null, "f32[4,b,7]")]
    [InlineData(new long[] { -1 }, new long[] { long.MinValue }, new long[] { 2 }, new long[] { -2 }, "f32[4,b,5]")]
    [InlineData(new long[] { 0 }, new long[] { long.MaxValue }, new long[] { 1 }, null, "f32[4,b,10]")]
    [InlineData(new long[] { 5 }, new long[] { 1 }, new long[] { 0 }, null, "f32[0,b,10]")]
    public void Slice_from_inputs_handles_negative_indices_clamping_and_steps(long[] starts, long[] ends, long[]? axes, long[]? steps, string expected)
    {
        var f = new InferenceFixture();
        var inputs = new List<Value?> { f.Input("x", 4, "b", 10), f.Ints("starts", starts), f.Ints("ends", ends) };
        if (axes is not null || steps is not null) inputs.Add(axes is null ? null : f.Ints("axes", axes));
        if (steps is not null) inputs.Add(f.Ints("steps", steps));
        var slice = f.Op("Slice", inputs.ToArray());
        f.RunClean();
        HasType(expected, slice.Output());
    }

    [Fact]
    public void Slice_before_opset_10_reads_attributes()
    {
        var f = new InferenceFixture(opset: 9);
        var slice = f.Op("Slice", new Value?[] { f.Input("x", 20, 10, 5) },
            Attribute.Ints("starts", 0, 1), Attribute.Ints("ends", 3, -1), Attribute.Ints("axes", 0, 1));
        f.RunClean();
        HasType("f32[3,8,5]", slice.Output());
    }

    [Fact]
    public void Slice_with_computed_bounds_keeps_the_rank()
    {
        var f = new InferenceFixture();
        var slice = f.Op("Slice", f.Input("x", 4, 5), f.Input("s", DataType.Int64, 1), f.Input("e", DataType.Int64, 1));
        f.RunClean();
        HasType("f32[?,?]", slice.Output());
    }

    [Fact]
    public void Split_uses_split_input_attribute_or_equal_parts()
    {
        var f = new InferenceFixture(opset: 13);
        var x = f.Input("x", "b", 12);
        var sized = f.Op("Split", new Value?[] { x, f.Ints("split", 2, 10) }, 2, Attribute.Int("axis", 1));
        var equal = f.Op("Split", new Value?[] { x }, 3, Attribute.Int("axis", -1));
        var old = new InferenceFixture(opset: 11);
        var attr = old.Op("Split", new Value?[] { old.Input("x", 6) }, 2, Attribute.Ints("split", 4, 2));
        f.RunClean();
        old.RunClean();
        HasType("f32[b,2]", sized.Output(0));
        HasType("f32[b,10]", sized.Output(1));
        HasType("f32[b,4]", equal.Output(2));
        HasType("f32[4]", attr.Output(0));
        HasType("f32[2]", attr.Output(1));
    }

    [Fact]
    public void Split_with_num_outputs_makes_the_last_part_smaller()
    {
        var f = new InferenceFixture(opset: 18);
        var split = f.Op("Split", new Value?[] { f.Input("x", 7) }, 3, Attribute.Int("num_outputs", 3));
        f.RunClean();
        Assert.Equal(new[] { "f32[3]", "f32[3]", "f32[1]" }, split.Outputs.Select(o => o.Type!.ToString()));
    }

    [Fact]
    public void TopK_sets_values_and_int64_indices()
    {
        var f = new InferenceFixture();
        var topk = f.Op("TopK", new Value?[] { f.Input("x", "b", 100), f.Ints("k", 5) }, 2);
        var old = new InferenceFixture(opset: 9);
        var oldTopk = old.Op("TopK", new Value?[] { old.Input("x", "b", 100) }, 2, Attribute.Int("k", 3));
        f.RunClean();
        old.RunClean();
        HasType("f32[b,5]", topk.Output(0));
        HasType("i64[b,5]", topk.Output(1));
        HasType("i64[b,3]", oldTopk.Output(1));
    }

    [Fact]
    public void ArgMax_reduces_one_axis_to_int64()
    {
        var f = new InferenceFixture();
        var keep = f.Op("ArgMax", new Value?[] { f.Input("x", "b", "s", 50) }, Attribute.Int("axis", -1));
        var drop = f.Op("ArgMin", new Value?[] { f.Input("y", "b", "s", 50) }, Attribute.Int("axis", 1), Attribute.Int("keepdims", 0));
        f.RunClean();
        HasType("i64[b,s,1]", keep.Output());
        HasType("i64[b,50]", drop.Output());
    }

    [Fact]
    public void NonZero_has_an_unknown_count()
    {
        var f = new InferenceFixture();
        var nz = f.Op("NonZero", f.Input("x", 3, 4));
        f.RunClean();
        HasType("i64[2,?]", nz.Output());
    }

    [Fact]
    public void CumSum_and_Trilu_keep_the_shape()
    {
        var f = new InferenceFixture();
        var cumsum = f.Op("CumSum", f.Input("x", "b", 5), f.Scalar("axis", 1));
        var trilu = f.Op("Trilu", f.Input("m", "s", "s"));
        f.RunClean();
        HasType("f32[b,5]", cumsum.Output());
        HasType("f32[s,s]", trilu.Output());
    }
}

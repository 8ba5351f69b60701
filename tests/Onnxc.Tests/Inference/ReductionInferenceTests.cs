using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class ReductionInferenceTests
{
    [Fact]
    public void Axes_come_from_the_attribute_before_opset_18()
    {
        var f = new InferenceFixture(opset: 17);
        var mean = f.Op("ReduceMean", new Value?[] { f.Input("x", "b", "s", 768) }, Attribute.Ints("axes", -1));
        f.RunClean();
        HasType("f32[b,s,1]", mean.Output());
    }

    [Fact]
    public void Axes_come_from_the_input_from_opset_18_and_for_ReduceSum_from_13()
    {
        var f = new InferenceFixture(opset: 18);
        var max = f.Op("ReduceMax", new Value?[] { f.Input("x", "b", "s", 768), f.Ints("axes", 1) }, Attribute.Int("keepdims", 0));
        var sum13 = new InferenceFixture(opset: 13);
        var sum = sum13.Op("ReduceSum", sum13.Input("x", 2, 3, 4), sum13.Ints("axes", 0, -1));
        f.RunClean();
        sum13.RunClean();
        HasType("f32[b,768]", max.Output());
        HasType("f32[1,3,1]", sum.Output());
    }

    [Fact]
    public void Empty_axes_reduce_everything_unless_noop_is_set()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "b", 3);
        var all = f.Op("ReduceSum", new Value?[] { x }, Attribute.Int("keepdims", 0));
        var noop = f.Op("ReduceSum", new Value?[] { x, f.Ints("none") }, Attribute.Int("noop_with_empty_axes", 1));
        f.RunClean();
        HasType("f32[]", all.Output());
        HasType("f32[b,3]", noop.Output());
    }

    [Fact]
    public void Computed_axes_keep_the_rank_only_with_keepdims()
    {
        var f = new InferenceFixture();
        var keep = f.Op("ReduceMean", f.Input("x", "b", 3), f.Input("axes", DataType.Int64, 1));
        f.RunClean();
        HasType("f32[?,?]", keep.Output());
    }
}

using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class ConvPoolInferenceTests
{
    [Fact]
    public void Conv_applies_pads_strides_and_dilations()
    {
        var f = new InferenceFixture();
        var conv = f.Op("Conv", new Value?[] { f.Input("x", "n", 3, 224, 224), f.Weight("w", 64, 3, 7, 7) },
            Attribute.Ints("pads", 3, 3, 3, 3), Attribute.Ints("strides", 2, 2));
        var dilated = f.Op("Conv", new Value?[] { f.Input("y", 1, 8, 32, 32), f.Weight("w2", 8, 8, 3, 3) },
            Attribute.Ints("dilations", 2, 2), Attribute.Ints("pads", 0, 1, 0, 1));
        f.RunClean();
        HasType("f32[n,64,112,112]", conv.Output());
        HasType("f32[1,8,28,30]", dilated.Output());
    }

    [Fact]
    public void Conv_auto_pad_same_and_valid()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", 1, 4, 15, 15);
        var same = f.Op("Conv", new Value?[] { x, f.Weight("w", 4, 4, 3, 3) }, Attribute.String("auto_pad", "SAME_UPPER"), Attribute.Ints("strides", 2, 2));
        var valid = f.Op("Conv", new Value?[] { x, f.Weight("w2", 4, 4, 3, 3) }, Attribute.String("auto_pad", "VALID"), Attribute.Ints("strides", 2, 2));
        f.RunClean();
        HasType("f32[1,4,8,8]", same.Output());
        HasType("f32[1,4,7,7]", valid.Output());
    }

    [Fact]
    public void Conv_with_groups_checks_channels()
    {
        var f = new InferenceFixture();
        var depthwise = f.Op("Conv", new Value?[] { f.Input("x", 1, 32, 10, 10), f.Weight("w", 32, 1, 3, 3) }, Attribute.Int("group", 32), Attribute.Ints("pads", 1, 1, 1, 1));
        f.RunClean();
        HasType("f32[1,32,10,10]", depthwise.Output());

        var bad = new InferenceFixture();
        bad.Op("Conv", new Value?[] { bad.Input("x", 1, 32, 10, 10), bad.Weight("w", 32, 2, 3, 3) }, Attribute.Int("group", 32));
        Assert.Equal(DiagnosticIds.ShapeMismatch, Assert.Single(bad.Run().Diagnostics).Id);
    }

    [Fact]
    public void Conv1d_with_symbolic_length_keeps_it_for_pointwise_kernels()
    {
        var f = new InferenceFixture();
        var pointwise = f.Op("Conv", f.Input("x", "n", 16, "t"), f.Weight("w", 8, 16, 1));
        var wide = f.Op("Conv", f.Input("y", "n", 16, "t"), f.Weight("w2", 8, 16, 3));
        f.RunClean();
        HasType("f32[n,8,t]", pointwise.Output());
        HasType("f32[n,8,?]", wide.Output());
    }

    [Fact]
    public void Pools_use_kernel_shape_and_ceil_mode()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "n", 16, 11, 11);
        var max = f.Op("MaxPool", new Value?[] { x }, 2, Attribute.Ints("kernel_shape", 2, 2), Attribute.Ints("strides", 2, 2));
        var ceil = f.Op("AveragePool", new Value?[] { x }, Attribute.Ints("kernel_shape", 2, 2), Attribute.Ints("strides", 2, 2), Attribute.Int("ceil_mode", 1));
        var global = f.Op("GlobalAveragePool", x);
        f.RunClean();
        HasType("f32[n,16,5,5]", max.Output(0));
        HasType("i64[n,16,5,5]", max.Output(1));
        HasType("f32[n,16,6,6]", ceil.Output());
        HasType("f32[n,16,1,1]", global.Output());
    }
}

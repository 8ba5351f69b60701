using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class NormalizationInferenceTests
{
    [Fact]
    public void LayerNormalization_types_all_three_outputs()
    {
        var f = new InferenceFixture();
        var ln = f.Op("LayerNormalization", new Value?[] { f.Input("x", DataType.Float16, "b", "s", 768), f.Weight("g", 768) }, 3, Attribute.Int("axis", -1));
        f.RunClean();
        HasType("f16[b,s,768]", ln.Output(0));
        HasType("f32[b,s,1]", ln.Output(1));
        HasType("f32[b,s,1]", ln.Output(2));
    }

    [Fact]
    public void LayerNormalization_over_several_axes_keeps_leading_dims()
    {
        var f = new InferenceFixture();
        var ln = f.Op("LayerNormalization", new Value?[] { f.Input("x", 2, 3, 4, 5), f.Weight("g", 4, 5) }, 3, Attribute.Int("axis", 2));
        f.RunClean();
        HasType("f32[2,3,1,1]", ln.Output(1));
    }

    [Fact]
    public void Dropout_mask_is_bool_from_opset_10()
    {
        var f = new InferenceFixture(opset: 12);
        var dropout = f.Op("Dropout", new Value?[] { f.Input("x", "b", 8) }, 2);
        var old = new InferenceFixture(opset: 7);
        var oldDropout = old.Op("Dropout", new Value?[] { old.Input("x", "b", 8) }, 2);
        f.RunClean();
        old.RunClean();
        HasType("f32[b,8]", dropout.Output(0));
        HasType("bool[b,8]", dropout.Output(1));
        HasType("f32[b,8]", oldDropout.Output(1));
    }
}

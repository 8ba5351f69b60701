using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class EinsumResizeInferenceTests
{
    [Theory]
    [InlineData("bij,bjk->bik", new object[] { "b", 3, 4 }, new object[] { "b", 4, 5 }, "f32[b,3,5]")]
    [InlineData("...ij,...jk->...ik", new object[] { "b", 12, 3, 4 }, new object[] { 1, 4, 5 }, "f32[b,12,3,5]")]
    [InlineData("ij,jk", new object[] { 3, 4 }, new object[] { 4, 5 }, "f32[3,5]")]
    [InlineData("bhqd,bhkd->bhqk", new object[] { "b", 8, "q", 64 }, new object[] { "b", 8, "k", 64 }, "f32[b,8,q,k]")]
    public void Einsum_maps_labels_to_dims(string equation, object[] a, object[] b, string expected)
    {
        var f = new InferenceFixture();
        var einsum = f.Op("Einsum", new Value?[] { f.Input("a", a), f.Input("b", b) }, Attribute.String("equation", equation));
        f.RunClean();
        HasType(expected, einsum.Output());
    }

    [Fact]
    public void Einsum_with_clashing_label_sizes_is_a_mismatch()
    {
        var f = new InferenceFixture();
        f.Op("Einsum", new Value?[] { f.Input("a", 3, 4), f.Input("b", 5, 6) }, Attribute.String("equation", "ij,jk->ik"));
        Assert.Equal(DiagnosticIds.ShapeMismatch, Assert.Single(f.Run().Diagnostics).Id);
    }

    [Fact]
    public void Resize_uses_constant_sizes_or_scales()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "n", 3, 10, 10);
        var sized = f.Op("Resize", x, null, null, f.Ints("sizes", 1, 3, 32, 16));
        var scaled = f.Op("Resize", x, null, f.Graph.AddInitializer("scales", Tensor.Vector(1f, 1f, 2.5f, 0.5f)));
        var old = new InferenceFixture(opset: 10);
        var legacy = old.Op("Resize", old.Input("x", 1, 1, 4, 4), old.Graph.AddInitializer("scales", Tensor.Vector(1f, 1f, 2f, 2f)));
        f.RunClean();
        old.RunClean();
        HasType("f32[1,3,32,16]", sized.Output());
        HasType("f32[n,3,25,5]", scaled.Output());
        HasType("f32[1,1,8,8]", legacy.Output());
    }
}

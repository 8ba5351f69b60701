using Onnxc.Ir;
using Onnxc.Ir.Inference;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class TypeMergeInferenceTests
{
    [Fact]
    public void A_more_specific_declared_type_is_kept()
    {
        var f = new InferenceFixture();
        var relu = f.Op("Relu", f.Input("x", "batch", 768));
        relu.Output().Type = new TensorType(DataType.Float, InferenceFixture.ShapeOf(8, 768));
        var result = f.RunClean();
        HasType("f32[8,768]", relu.Output());
        Assert.Equal(0, result.ValuesRefined);
    }

    [Fact]
    public void A_vaguer_declared_type_is_refined_and_counted()
    {
        var f = new InferenceFixture();
        var relu = f.Op("Relu", f.Input("x", "batch", 768));
        var neg = f.Op("Neg", relu.Output());
        relu.Output().Type = new TensorType(DataType.Float, InferenceFixture.ShapeOf(null, null));
        var result = f.RunClean();
        HasType("f32[batch,768]", relu.Output());
        Assert.Equal(1, result.ValuesRefined);
        Assert.Equal(1, result.ValuesTyped);
        HasType("f32[batch,768]", neg.Output());
    }

    [Fact]
    public void Declared_symbols_win_over_inferred_ones()
    {
        var merged = TypeMerge.Merge(new TensorType(DataType.Float, InferenceFixture.ShapeOf("N", null)), new TensorType(DataType.Float, InferenceFixture.ShapeOf("batch", "seq")), out var conflict);
        Assert.Null(conflict);
        Assert.Equal("f32[N,seq]", merged!.ToString());
    }

    [Fact]
    public void A_conflicting_declared_shape_is_kept_and_reported()
    {
        var f = new InferenceFixture();
        var relu = f.Op("Relu", f.Input("x", 2, 4));
        relu.Output().Type = new TensorType(DataType.Float, InferenceFixture.ShapeOf(2, 5));
        var diagnostic = Assert.Single(f.Run().Diagnostics);
        Assert.Equal(DiagnosticIds.ShapeMismatch, diagnostic.Id);
        Assert.Contains("'Relu'", diagnostic.Message);
        HasType("f32[2,5]", relu.Output());
    }

    [Fact]
    public void A_conflicting_element_type_is_a_type_mismatch()
    {
        var f = new InferenceFixture();
        var relu = f.Op("Relu", f.Input("x", 2));
        relu.Output().Type = new TensorType(DataType.Float16, InferenceFixture.ShapeOf(2));
        Assert.Equal(DiagnosticIds.TypeMismatch, Assert.Single(f.Run().Diagnostics).Id);
    }

    [Fact]
    public void Unknown_ops_keep_their_declared_types_and_are_listed()
    {
        var f = new InferenceFixture();
        var custom = f.Graph.Append("MyOp", new[] { f.Input("x", 3) }, domain: "custom.domain");
        custom.Output().Type = new TensorType(DataType.Float, InferenceFixture.ShapeOf("n", 3));
        var untyped = f.Graph.Append("OtherOp", new[] { f.Input("y", 3) }, domain: "custom.domain");
        var after = f.Op("Relu", custom.Output());
        var afterUntyped = f.Op("Relu", untyped.Output());
        var result = f.RunClean();
        HasType("f32[n,3]", custom.Output());
        HasType("f32[n,3]", after.Output());
        Assert.Null(untyped.Output().Type);
        Assert.Null(afterUntyped.Output().Type);
        Assert.Contains("custom.domain::MyOp", result.OpsWithoutRule);
    }

    [Fact]
    public void A_second_run_changes_nothing()
    {
        var f = new InferenceFixture();
        f.Op("MatMul", f.Op("Relu", f.Input("x", "b", 4)).Output(), f.Weight("w", 4, 2));
        var first = f.RunClean();
        var second = f.RunClean();
        Assert.Equal(2, first.ValuesTyped);
        Assert.False(second.Changed);
    }
}

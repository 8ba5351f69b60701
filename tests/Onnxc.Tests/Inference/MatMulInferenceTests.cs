using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class MatMulInferenceTests
{
    [Theory]
    [InlineData(new object[] { 3 }, new object[] { 3 }, "f32[]")]
    [InlineData(new object[] { 3 }, new object[] { 3, 5 }, "f32[5]")]
    [InlineData(new object[] { 4, 3 }, new object[] { 3 }, "f32[4]")]
    [InlineData(new object[] { 2, 4, 3 }, new object[] { 3 }, "f32[2,4]")]
    [InlineData(new object[] { 3 }, new object[] { 7, 3, 5 }, "f32[7,5]")]
    [InlineData(new object[] { "batch", "seq", 768 }, new object[] { 768, 3072 }, "f32[batch,seq,3072]")]
    [InlineData(new object[] { "b", 1, 4, 3 }, new object[] { 12, 3, 5 }, "f32[b,12,4,5]")]
    [InlineData(new object[] { "b", 12, "s", 64 }, new object[] { "b", 12, 64, "s" }, "f32[b,12,s,s]")]
    public void MatMul_follows_numpy_rules(object[] a, object[] b, string expected)
    {
        var f = new InferenceFixture();
        var matmul = f.Op("MatMul", f.Input("a", a), f.Input("b", b));
        f.RunClean();
        HasType(expected, matmul.Output());
    }

    [Fact]
    public void MatMul_with_different_static_inner_dims_reports_a_mismatch()
    {
        var f = new InferenceFixture();
        f.Op("MatMul", f.Input("a", 2, 3), f.Input("b", 4, 5));
        var diagnostic = Assert.Single(f.Run().Diagnostics);
        Assert.Equal(DiagnosticIds.ShapeMismatch, diagnostic.Id);
        Assert.Contains("inner", diagnostic.Message);
    }

    [Fact]
    public void MatMul_accepts_symbolic_inner_dims()
    {
        var f = new InferenceFixture();
        var matmul = f.Op("MatMul", f.Input("a", 2, "k"), f.Input("b", 4, 5));
        f.RunClean();
        HasType("f32[2,5]", matmul.Output());
    }

    [Theory]
    [InlineData(0, 0, new long[] { 4, 3 }, new long[] { 3, 5 }, "f32[4,5]")]
    [InlineData(1, 0, new long[] { 3, 4 }, new long[] { 3, 5 }, "f32[4,5]")]
    [InlineData(0, 1, new long[] { 4, 3 }, new long[] { 5, 3 }, "f32[4,5]")]
    [InlineData(1, 1, new long[] { 3, 4 }, new long[] { 5, 3 }, "f32[4,5]")]
    public void Gemm_honours_transA_and_transB(long transA, long transB, long[] a, long[] b, string expected)
    {
        var f = new InferenceFixture();
        var gemm = f.Op("Gemm", new Value?[] { f.Input("a", a.Cast<object?>().ToArray()), f.Weight("w", b), f.Weight("c", 5) },
            Attribute.Int("transA", transA), Attribute.Int("transB", transB));
        f.RunClean();
        HasType(expected, gemm.Output());
    }

    [Fact]
    public void Gemm_keeps_a_symbolic_batch()
    {
        var f = new InferenceFixture();
        var gemm = f.Op("Gemm", new Value?[] { f.Input("a", "batch", 3), f.Weight("w", 5, 3) }, Attribute.Int("transB", 1));
        f.RunClean();
        HasType("f32[batch,5]", gemm.Output());
    }

    [Fact]
    public void MatMulInteger_gives_int32()
    {
        var f = new InferenceFixture();
        var mm = f.Op("MatMulInteger", f.Input("a", DataType.UInt8, "b", 3), f.Input("w", DataType.Int8, 3, 5));
        f.RunClean();
        HasType("i32[b,5]", mm.Output());
    }
}

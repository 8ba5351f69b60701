using Onnxc.Conformance;
using Onnxc.Ir;

namespace Onnxc.Tests.Conformance;

public class TensorComparerTests
{
    [Fact]
    public void Orthogonal_vectors_have_cosine_zero_and_identical_ones_one()
    {
        var a = Tensor.Vector(1f, 0f, 0f);
        var b = Tensor.Vector(0f, 2f, 0f);
        Assert.Equal(0, TensorComparer.Compare(a, b, Tolerance.OnnxBackend).CosineSimilarity, 12);
        var same = TensorComparer.Compare(a, Tensor.Vector(1f, 0f, 0f), Tolerance.OnnxBackend);
        Assert.Equal(1, same.CosineSimilarity, 12);
        Assert.True(same.Passed);
        Assert.True(same.BitIdentical);
        Assert.Equal(-1, TensorComparer.Compare(a, Tensor.Vector(-3f, 0f, 0f), Tolerance.OnnxBackend).CosineSimilarity, 12);
    }

    [Fact]
    public void Error_metrics_on_known_vectors()
    {
        var result = TensorComparer.Compare(Tensor.Vector(1.0, 2.0, 0.0, 4.0), Tensor.Vector(1.5, 2.0, 0.25, 3.0), Tolerance.OnnxBackend);
        Assert.Equal(1.0, result.MaxAbsError, 12);
        Assert.Equal((0.5 + 0 + 0.25 + 1.0) / 4, result.MeanAbsError, 12);
        // 0.25 / max(0, 1e-6) dominates: the floor keeps it finite.
        Assert.Equal(0.25 / ComparisonAccumulator.RelativeErrorFloor, result.MaxRelError, 6);
        Assert.Equal(3, result.MismatchCount);
        Assert.False(result.Passed);
        Assert.Equal("tolerance", result.Mode);
    }

    [Fact]
    public void Tolerance_edge_is_inclusive_like_numpy_allclose()
    {
        var tolerance = new Tolerance("t", 0.5, 0.25);
        Assert.True(tolerance.IsClose(3.25, 2.0));   // |1.25| <= 0.25 + 0.5 * 2, exactly on the edge
        Assert.True(tolerance.IsClose(0.75, 2.0));
        Assert.False(tolerance.IsClose(3.2500001, 2.0));
        Assert.False(tolerance.IsClose(0.7499999, 2.0));
        Assert.True(Tolerance.Exact.IsClose(3, 3));
        Assert.False(Tolerance.Exact.IsClose(3, 3.0000000001));
        Assert.True(Tolerance.OnnxBackend.IsClose(double.NaN, double.NaN));
        Assert.True(Tolerance.OnnxBackend.IsClose(double.PositiveInfinity, double.PositiveInfinity));
        Assert.False(Tolerance.OnnxBackend.IsClose(double.NegativeInfinity, double.PositiveInfinity));
    }

    [Fact]
    public void Nan_and_inf_disagreements_are_counted_apart()
    {
        var expected = Tensor.Vector(float.NaN, 1f, float.PositiveInfinity, float.NaN, 2f);
        var actual = Tensor.Vector(float.NaN, float.NaN, float.NegativeInfinity, 3f, 2f);
        var result = TensorComparer.Compare(expected, actual, Tolerance.OnnxBackend);
        Assert.Equal(2, result.NanMismatches);
        Assert.Equal(1, result.InfMismatches);
        Assert.Equal(3, result.MismatchCount);
        Assert.Equal(0, result.MaxAbsError);
    }

    [Fact]
    public void Top1_agreement_counts_matching_argmax_rows()
    {
        var expected = Tensor.FromArray(new[] { 0.1f, 0.9f, 0.0f, 0.7f, 0.2f, 0.1f }, 2, 3);
        var actual = Tensor.FromArray(new[] { 0.2f, 0.8f, 0.0f, 0.1f, 0.2f, 0.7f }, 2, 3);
        Assert.Equal(0.5, TensorComparer.Compare(expected, actual, Tolerance.OnnxBackend).Top1Agreement);
        Assert.Null(TensorComparer.Compare(Tensor.Vector(1f, 2f), Tensor.Vector(1f, 2f), Tolerance.OnnxBackend).Top1Agreement);
    }

    [Fact]
    public void Integers_are_compared_exactly_even_beyond_double_precision()
    {
        long big = (1L << 53) + 1;
        var result = TensorComparer.Compare(Tensor.Vector(big, 5L), Tensor.Vector(big - 1, 5L), new Tolerance("loose", 1, 1));
        Assert.Equal("exact", result.Mode);
        Assert.Equal(1, result.MismatchCount);
        Assert.False(result.Passed);
    }

    [Fact]
    public void Strings_shapes_types_and_sequences_are_checked()
    {
        var s1 = new StringTensor(new long[] { 2 }, new[] { "a"u8.ToArray(), "b"u8.ToArray() });
        var s2 = new StringTensor(new long[] { 2 }, new[] { "a"u8.ToArray(), "c"u8.ToArray() });
        Assert.Equal(1, TensorComparer.Compare(s1, s2, Tolerance.OnnxBackend).MismatchCount);

        var shape = TensorComparer.Compare(Tensor.FromArray(new[] { 1f, 2f }, 1, 2), Tensor.FromArray(new[] { 1f, 2f }, 2, 1), Tolerance.OnnxBackend);
        Assert.Contains("shape", shape.Reason);
        Assert.Contains("type", TensorComparer.Compare(Tensor.Vector(1f), Tensor.Vector(1.0), Tolerance.OnnxBackend).Reason);

        var seq = new SequenceValue(new RuntimeValue[] { Tensor.Vector(1f) });
        var longer = new SequenceValue(new RuntimeValue[] { Tensor.Vector(1f), Tensor.Vector(2f) });
        Assert.Contains("sequence length", TensorComparer.Compare(seq, longer, Tolerance.OnnxBackend).Reason);
        Assert.True(TensorComparer.Compare((RuntimeValue?)null, null, Tolerance.OnnxBackend).Passed);
        Assert.False(TensorComparer.Compare(seq, null, Tolerance.OnnxBackend).Passed);
    }

    [Fact]
    public void Shape_only_mode_ignores_values()
    {
        var result = TensorComparer.Compare(Tensor.Vector(1f, 2f), Tensor.Vector(5f, 9f), Tolerance.OnnxBackend, shapeOnly: true);
        Assert.True(result.Passed);
        Assert.Equal("shape-only", result.Mode);
    }
}

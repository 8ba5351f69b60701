namespace Onnxc.Ir.Inference.Rules;

/// <summary>MatMul (numpy semantics incl. 1-D operands and batch broadcasting), Gemm, MatMulInteger, QLinearMatMul.</summary>
internal static class MatMulRules
{
    public static void Register(OpRules rules)
    {
        rules.Add("MatMul", c => c.SetOutputLike(0, 0, MatMulShape(c.InputShape(0), c.InputShape(1))));
        rules.Add("MatMulInteger", c => c.SetOutput(0, DataType.Int32, MatMulShape(c.InputShape(0), c.InputShape(1))));
        rules.Add("QLinearMatMul", c => c.SetOutput(0, c.InputElementType(7), MatMulShape(c.InputShape(0), c.InputShape(3))));
        rules.Add("Gemm", Gemm);
    }

    /// <summary>The shape of A @ B, or null when a rank is unknown; throws when static inner dims differ.</summary>
    public static Shape? MatMulShape(Shape? a, Shape? b)
    {
        if (a is null || b is null) return null;
        if (a.Rank == 0 || b.Rank == 0) throw InferenceContext.Fail("MatMul operands must not be scalars");
        // 1-D operands get a dim prepended (A) or appended (B) that is dropped again from the result.
        var left = a.Rank == 1 ? new Shape(new[] { Dim.Of(1), a[0] }) : a;
        var right = b.Rank == 1 ? new Shape(new[] { b[0], Dim.Of(1) }) : b;
        Dim k1 = left[left.Rank - 1], k2 = right[right.Rank - 2];
        if (!DimMath.Compatible(k1, k2)) throw InferenceContext.Fail($"MatMul inner dims differ: {a} @ {b}");
        var batch = DimMath.Broadcast(new[] { new Shape(left.Take(left.Rank - 2)), new Shape(right.Take(right.Rank - 2)) });
        var dims = batch.ToList();
        if (a.Rank > 1) dims.Add(left[left.Rank - 2]);
        if (b.Rank > 1) dims.Add(right[right.Rank - 1]);
        return new Shape(dims);
    }

    private static void Gemm(InferenceContext c)
    {
        Shape? a = c.InputShape(0), b = c.InputShape(1);
        Shape? result = null;
        if (a is { Rank: 2 } && b is { Rank: 2 })
        {
            bool transA = c.Node.GetInt("transA", 0) != 0, transB = c.Node.GetInt("transB", 0) != 0;
            Dim m = transA ? a[1] : a[0], k1 = transA ? a[0] : a[1];
            Dim k2 = transB ? b[1] : b[0], n = transB ? b[0] : b[1];
            if (!DimMath.Compatible(k1, k2)) throw InferenceContext.Fail($"Gemm inner dims differ: {a} x {b} (transA={transA}, transB={transB})");
            result = new Shape(new[] { m, n });
        }
        else if (a is not null && a.Rank != 2 || b is not null && b.Rank != 2)
        {
            throw InferenceContext.Fail($"Gemm needs 2-D operands, got {a?.ToString() ?? "?"} and {b?.ToString() ?? "?"}");
        }
        c.SetOutputLike(0, 0, result);
    }
}

namespace Onnxc.Ir.Inference.Rules;

/// <summary>ONNX Runtime contrib ops (domain com.microsoft) that onnxc's fusions and quantizers produce.</summary>
internal static class ContribRules
{
    private const string Microsoft = "com.microsoft";

    public static void Register(OpRules rules)
    {
        rules.Add(new[] { "FastGelu", "BiasGelu", "Gelu", "QuickGelu", "RotaryEmbedding", "BiasAdd" },
            c => c.SetOutputLike(0, 0, c.InputShape(0)), Microsoft);
        rules.Add("MatMulNBits", MatMulNBits, Microsoft);
        rules.Add("DynamicQuantizeMatMul", c => c.SetOutputLike(0, 0, MatMulRules.MatMulShape(c.InputShape(0), c.InputShape(1))), Microsoft);
        rules.Add("MatMulIntegerToFloat", c => c.SetOutput(0, c.InputElementType(2), MatMulRules.MatMulShape(c.InputShape(0), c.InputShape(1))), Microsoft);
        rules.Add("FusedMatMul", FusedMatMul, Microsoft);
        rules.Add("Attention", Attention, Microsoft);
        rules.Add("MultiHeadAttention", MultiHeadAttention, Microsoft);
        rules.Add(new[] { "SkipLayerNormalization", "SkipSimplifiedLayerNormalization" }, SkipLayerNormalization, Microsoft);
        rules.Add("SimplifiedLayerNormalization", SimplifiedLayerNormalization, Microsoft);
        // ONNX Runtime registers SimplifiedLayerNormalization in the default domain as well.
        rules.Add("SimplifiedLayerNormalization", SimplifiedLayerNormalization);
        rules.Add("EmbedLayerNormalization", EmbedLayerNormalization, Microsoft);
    }

    /// <summary>A [..., K] times 4-bit (or n-bit) packed B [N, k_blocks, blob] gives [..., N] in A's type.</summary>
    private static void MatMulNBits(InferenceContext c)
    {
        long n = c.Node.GetInt("N", -1), k = c.Node.GetInt("K", -1);
        if (n <= 0 || k <= 0) throw InferenceContext.Fail("MatMulNBits needs positive K and N attributes");
        if (c.InputShape(1) is { Rank: >= 1 } b && b[0].IsStatic && b[0].Value != n) throw InferenceContext.Fail($"MatMulNBits B {b} does not have N={n} rows");
        var a = c.InputShape(0);
        if (a is { Rank: 0 }) throw InferenceContext.Fail("MatMulNBits input A is a scalar");
        if (a is not null && !DimMath.Compatible(a[a.Rank - 1], k)) throw InferenceContext.Fail($"MatMulNBits A {a} does not end in K={k}");
        c.SetOutputLike(0, 0, a is null ? null : new Shape(a.Take(a.Rank - 1).Append(Dim.Of(n))));
    }

    private static void FusedMatMul(InferenceContext c)
    {
        static Shape? Transposed(Shape? s, bool transpose) =>
            s is { Rank: >= 2 } && transpose ? new Shape(s.Take(s.Rank - 2).Append(s[s.Rank - 1]).Append(s[s.Rank - 2])) : s;
        var a = Transposed(c.InputShape(0), c.Node.GetInt("transA", 0) != 0);
        var b = Transposed(c.InputShape(1), c.Node.GetInt("transB", 0) != 0);
        c.SetOutputLike(0, 0, MatMulRules.MatMulShape(a, b));
    }

    /// <summary>Attention: input [B, S, H_in] and packed QKV weights [H_in, Dq+Dk+Dv]; output [B, S, Dv]; present [2, B, heads, P+S, Dk/heads].</summary>
    private static void Attention(InferenceContext c)
    {
        Shape? input = c.InputShape(0), weights = c.InputShape(1);
        long heads = c.Node.GetInt("num_heads", 0);
        var sizes = c.Node.GetInts("qkv_hidden_sizes");
        Dim v = sizes is { Length: 3 } ? sizes[2] : weights is { Rank: 2 } && weights[1].IsStatic ? weights[1].Value!.Value / 3 : Dim.Unknown;
        if (input is null || input.Rank != 3)
        {
            c.SetOutputLike(0, 0, input is null ? null : DimMath.UnknownShape(3));
            return;
        }
        c.SetOutputLike(0, 0, new Shape(new[] { input[0], input[1], v }));
        if (c.OutputCount > 1 && heads > 0)
        {
            Dim qk = sizes is { Length: 3 } ? sizes[1] : v;
            Dim total = c.InputShape(4) is { Rank: 5 } past ? DimMath.Add(past[3], input[1]) : input[1];
            c.SetOutputLike(1, 0, new Shape(new[] { Dim.Of(2), input[0], Dim.Of(heads), total, DimMath.Divide(qk, heads) }));
        }
    }

    /// <summary>MultiHeadAttention: output [B, S, Dv]; present key/value [B, heads, past+L, head_size].</summary>
    private static void MultiHeadAttention(InferenceContext c)
    {
        Shape? query = c.InputShape(0), key = c.InputShape(1), value = c.InputShape(2);
        long heads = c.Node.GetInt("num_heads", 0);
        if (query is null)
        {
            c.SetOutputLike(0, 0, null);
            return;
        }
        Dim hidden = query.Rank switch
        {
            5 => DimMath.Multiply(query[2], query[4]), // packed QKV [B, S, heads, 3, head_size]
            3 => value switch
            {
                { Rank: 3 } => value[2],
                { Rank: 4 } => DimMath.Multiply(value[1], value[3]), // [B, heads, L, head_size]
                _ => query[2],
            },
            _ => throw InferenceContext.Fail($"MultiHeadAttention query {query} is neither 3-D nor packed 5-D"),
        };
        c.SetOutputLike(0, 0, new Shape(new[] { query[0], query[1], hidden }));
        if (heads <= 0) return;
        Dim kvLength = key switch
        {
            { Rank: 3 } => key[1],
            { Rank: 4 } => key[2],
            { Rank: 5 } => key[1],
            null when query.Rank == 5 => query[1],
            _ => Dim.Unknown,
        };
        for (int i = 1; i <= 2 && i < c.OutputCount; i++)
        {
            Dim total = c.InputShape(i == 1 ? 6 : 7) is { Rank: 4 } past ? DimMath.Add(past[2], kvLength) : kvLength;
            Dim headSize = i == 2 ? DimMath.Divide(hidden, heads) : query.Rank == 5 ? query[4] : DimMath.Divide(query[2], heads);
            c.SetOutputLike(i, 0, new Shape(new[] { query[0], Dim.Of(heads), total, headSize }));
        }
    }

    private static void SkipLayerNormalization(InferenceContext c)
    {
        var x = c.InputShape(0);
        c.SetOutputLike(0, 0, x);
        // mean and inv_std_var are float statistics ONNX Runtime leaves unshaped; the last output is input + skip (+ bias).
        for (int i = 1; i <= 2 && i < c.OutputCount; i++) c.SetOutput(i, DataType.Float, null);
        if (c.OutputCount > 3) c.SetOutputLike(3, 0, x);
    }

    private static void SimplifiedLayerNormalization(InferenceContext c)
    {
        var x = c.InputShape(0);
        c.SetOutputLike(0, 0, x);
        if (c.OutputCount > 1)
        {
            var stash = (DataType)c.Node.GetInt("stash_type", (long)DataType.Float);
            c.SetOutput(1, stash, x is null ? null : NormalizationRules.StatisticsShape(x, c.Node.GetInt("axis", -1)));
        }
    }

    /// <summary>input_ids [B, S] → embeddings [B, S, H] in the word embedding's type, mask_index [B] int32, embedding_sum [B, S, H].</summary>
    private static void EmbedLayerNormalization(InferenceContext c)
    {
        Shape? ids = c.InputShape(0), words = c.InputShape(2);
        Dim hidden = words is { Rank: 2 } ? words[1] : Dim.Unknown;
        Shape? output = ids is { Rank: 2 } ? new Shape(new[] { ids[0], ids[1], hidden }) : null;
        c.SetOutputLike(0, 2, output);
        if (c.OutputCount > 1) c.SetOutput(1, DataType.Int32, ids is { Rank: 2 } ? new Shape(new[] { ids[0] }) : null);
        if (c.OutputCount > 2) c.SetOutputLike(2, 2, output);
    }
}

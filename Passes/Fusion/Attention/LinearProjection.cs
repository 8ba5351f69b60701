using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// A linear layer as the exporter writes it on a 3-D activation: MatMul(x, W[in, out]) with an optional Add of a
/// 1-D bias (either operand order), or HuggingFace's Conv1D: Reshape(x, [−1, in]) → Gemm(·, W[in, out], b) → Reshape
/// back to [B, S, out] (<see cref="MatMul"/> is then the Gemm, <see cref="Flatten"/>/<see cref="Unflatten"/> the
/// Reshapes). <see cref="Columns"/> names the slice of its output a head tensor reads.
/// </summary>
public sealed record LinearProjection(Value Input, Tensor Weight, Tensor? Bias, Node MatMul, Node? BiasAdd, Node? Flatten = null, Node? Unflatten = null)
{
    public long InFeatures => Weight.Dims[0];

    public long OutFeatures => Weight.Dims[1];

    /// <summary>Values whose dims 0 and 1 are the input's batch and sequence: the input and the projection's 3-D outputs.</summary>
    public IReadOnlyList<Value> Aliases => Unflatten is not null ? new[] { Input, Unflatten.Output(0) }
        : BiasAdd is null ? new[] { Input, MatMul.Output(0) } : new[] { Input, MatMul.Output(0), BiasAdd.Output(0) };

    /// <summary>The matched nodes (for removal once unused).</summary>
    public IEnumerable<Node> Nodes => new[] { Unflatten, BiasAdd, MatMul, Flatten }.OfType<Node>();

    /// <summary>Matches the projection producing <paramref name="output"/>, or returns why it is not one.</summary>
    public static Match<LinearProjection> Find(Value output, ShapeFacts facts)
    {
        if (Patterns.Producer(output, "Reshape") is { } unflatten && Patterns.Producer(unflatten.Input(0), "Gemm") is { } gemm) return FromGemm(unflatten, gemm, facts);
        return FromMatMul(output);
    }

    /// <summary>
    /// Conv1D's addmm: exact as MatMul(x, W) + b when the Gemm is plain (alpha = beta = 1, no transposes), the first
    /// Reshape flattens x to [B·S, in] and the second restores [B, S, out] from x's own dims.
    /// </summary>
    private static Match<LinearProjection> FromGemm(Node unflatten, Node gemm, ShapeFacts facts)
    {
        if (gemm.GetFloat("alpha", 1f) != 1f || gemm.GetFloat("beta", 1f) != 1f || gemm.GetInt("transA", 0) != 0 || gemm.GetInt("transB", 0) != 0)
            return Match<LinearProjection>.Miss("projection Gemm is not plain (alpha, beta 1, no transposes)");
        if (Patterns.ConstantTensor(gemm.Input(1)) is not { ElementType: DataType.Float, Rank: 2 } weight) return Match<LinearProjection>.Miss("projection Gemm weight is not a 2-D float32 constant");
        Tensor? bias = gemm.Input(2) is { } c ? Patterns.ConstantTensor(c) : null;
        if (gemm.Input(2) is not null && (bias is not { ElementType: DataType.Float, Rank: 1 } || bias.Dims[0] != weight.Dims[1]))
            return Match<LinearProjection>.Miss("projection Gemm bias is not a float32 vector of the output width");
        if (Patterns.Producer(gemm.Input(0), "Reshape") is not { } flatten) return Match<LinearProjection>.Miss("projection Gemm input is not a flattening Reshape");
        var x = flatten.Input(0)!;
        if (x.Shape is not { Rank: 3 } xs || !ShapeFacts.SameDim(xs[2], Dim.Of(weight.Dims[0]))) return Match<LinearProjection>.Miss("projection Gemm input is not a 3-D [B, S, in] activation");
        if (facts.Elements(flatten.Input(1)) is not [{ IsStatic: true, Value: -1 }, var width] || !ShapeFacts.SameDim(width, xs[2]))
            return Match<LinearProjection>.Miss("projection flatten Reshape is not [-1, in]");
        if (!Patterns.HasSingleUse(flatten.Output(0)) || !Patterns.HasSingleUse(gemm.Output(0))) return Match<LinearProjection>.Miss("projection Gemm intermediates have other readers");
        if (facts.CheckReshape(unflatten, new[] { xs[0], xs[1], Dim.Of(weight.Dims[1]) }, new[] { x }) is { } reason) return Match<LinearProjection>.Miss("projection unflatten: " + reason);
        return new LinearProjection(x, weight, bias, gemm, null, flatten, unflatten);
    }

    private static Match<LinearProjection> FromMatMul(Value output)
    {
        Node? add = Patterns.Producer(output, "Add");
        Value matmulOut = output;
        Tensor? bias = null;
        if (add is not null)
        {
            var (a, b) = (add.Input(0)!, add.Input(1)!);
            if (Patterns.Producer(b, "MatMul") is not null && Patterns.ConstantTensor(a) is { } ba) (bias, matmulOut) = (ba, b);
            else if (Patterns.Producer(a, "MatMul") is not null && Patterns.ConstantTensor(b) is { } bb) (bias, matmulOut) = (bb, a);
            else return Match<LinearProjection>.Miss("projection is not MatMul + constant bias");
        }
        if (Patterns.Producer(matmulOut, "MatMul") is not { } matmul) return Match<LinearProjection>.Miss("projection is not a MatMul");
        if (Patterns.ConstantTensor(matmul.Input(1)) is not { } weight) return Match<LinearProjection>.Miss("projection weight is not a constant");
        if (weight.ElementType != DataType.Float || weight.Rank != 2) return Match<LinearProjection>.Miss("projection weight is not a 2-D float32 tensor");
        if (bias is not null && (bias.ElementType != DataType.Float || bias.Rank != 1 || bias.Dims[0] != weight.Dims[1]))
            return Match<LinearProjection>.Miss("projection bias is not a float32 vector of the output width");
        if (add is not null && !Patterns.HasSingleUse(matmulOut)) return Match<LinearProjection>.Miss("projection MatMul output has other readers");
        return new LinearProjection(matmul.Input(0)!, weight, bias, matmul, add);
    }

    /// <summary>Copies columns [start, start+count) of the weight into <paramref name="target"/> rows of width <paramref name="targetWidth"/> at column <paramref name="targetColumn"/>.</summary>
    public void CopyColumns(long start, long count, float[] target, long targetWidth, long targetColumn)
    {
        var w = Weight.AsSpan<float>();
        long width = OutFeatures;
        for (long row = 0; row < InFeatures; row++)
            w.Slice((int)(row * width + start), (int)count).CopyTo(target.AsSpan((int)(row * targetWidth + targetColumn), (int)count));
    }

    /// <summary>Copies bias entries [start, start+count) into <paramref name="target"/> (zeros when there is no bias).</summary>
    public void CopyBias(long start, long count, float[] target, long targetColumn)
    {
        if (Bias is null) return;
        Bias.AsSpan<float>().Slice((int)start, (int)count).CopyTo(target.AsSpan((int)targetColumn, (int)count));
    }
}

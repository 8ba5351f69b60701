using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// A linear layer as the exporter writes it on a 3-D activation: MatMul(x, W[in, out]) with an optional Add of a
/// 1-D bias (either operand order). <see cref="Columns"/> names the slice of its output a head tensor reads.
/// </summary>
public sealed record LinearProjection(Value Input, Tensor Weight, Tensor? Bias, Node MatMul, Node? BiasAdd)
{
    public long InFeatures => Weight.Dims[0];

    public long OutFeatures => Weight.Dims[1];

    /// <summary>Values whose dims 0 and 1 are the input's batch and sequence: the input and the projection's outputs.</summary>
    public IReadOnlyList<Value> Aliases => BiasAdd is null ? new[] { Input, MatMul.Output(0) } : new[] { Input, MatMul.Output(0), BiasAdd.Output(0) };

    /// <summary>The matched nodes (for removal once unused).</summary>
    public IEnumerable<Node> Nodes => BiasAdd is null ? new[] { MatMul } : new[] { MatMul, BiasAdd };

    /// <summary>Matches the projection producing <paramref name="output"/>, or returns why it is not one.</summary>
    public static Match<LinearProjection> Find(Value output)
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

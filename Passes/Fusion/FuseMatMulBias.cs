using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>Add(MatMul(a, w), bias) with a 2-D activation: the three inputs of the Gemm that replaces it.</summary>
public sealed record MatMulBiasMatch(Value Input, Value Weight, Value Bias, Node MatMul, Node Add);

/// <summary>
/// Gemm from MatMul + Add when the activation is 2-D, the weight a constant [K, N] and the bias a constant [N]:
/// exactly what Gemm computes. For 3-D activations the MatMul stays (Gemm is 2-D only) and the bias is folded
/// into the fusion that follows (BiasGelu, SkipLayerNormalization's bias input), as ONNX Runtime's optimizer does.
/// </summary>
public sealed class FuseMatMulBias : RewriteRule<MatMulBiasMatch>
{
    public override string Name => "matmul-bias";

    public override string RootOp => "Add";

    protected override Match<MatMulBiasMatch> Find(Node root)
    {
        if (FusionPatterns.SplitConstant(root) is not { } split || FusionPatterns.Op(split.Other, "MatMul") is not { } matmul) return Match<MatMulBiasMatch>.None;
        if (matmul.Input(0) is not { } input || matmul.Input(1) is not { } weight) return Match<MatMulBiasMatch>.None;
        return new MatMulBiasMatch(input, weight, split.Constant, matmul, root);
    }

    protected override string? Check(MatMulBiasMatch match, Rewriter rewriter)
    {
        if (Patterns.Rank(match.Input) is not { } rank) return "rank of the MatMul input is unknown";
        if (rank != 2) return $"MatMul input has rank {rank}; Gemm takes 2-D inputs only";
        if (Patterns.ConstantTensor(match.Weight) is not { Rank: 2 } weight) return "MatMul weight is not a constant 2-D matrix";
        if (FusionPatterns.BiasProblem(match.MatMul.Output(0), match.Bias) is { } problem) return problem;
        if (weight.ElementType is not (DataType.Float or DataType.Double or DataType.Float16)) return $"Gemm does not take {weight.ElementType}";
        if (Patterns.ConstantTensor(match.Bias)!.ElementType != weight.ElementType) return "bias and weight differ in element type";
        return FusionPatterns.ReadOnlyBy(match.MatMul.Output(0), match.Add) ? null : $"{match.MatMul.Output(0)} has readers outside the pattern";
    }

    protected override void Rewrite(MatMulBiasMatch match, Rewriter rewriter)
    {
        FusionPatterns.AddFused(rewriter, "Gemm", new[] { match.Input, match.Weight, match.Bias }, match.Add.Output(0));
        rewriter.RemoveIfUnused(new[] { match.Add, match.MatMul });
    }
}

using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>
/// A norm reading a residual Add: the two summands, an optional bias folded from one of them, the norm's weights,
/// and whether the sum is read elsewhere (then it comes from the fused op's input_skip_bias_sum output).
/// </summary>
public sealed record SkipNormMatch(Node Norm, Node Residual, Value Input, Value Skip, Node? BiasAdd, Value? Bias);

/// <summary>
/// com.microsoft SkipLayerNormalization from LayerNormalization(Add(input, skip)) and
/// SkipSimplifiedLayerNormalization from SimplifiedLayerNormalization(Add(input, skip)), anchored at the norm,
/// so it runs after fuse-layer-norm. A linear layer's bias Add(MatMul(...), b) feeding the residual is folded into
/// the bias input. When the residual sum is read elsewhere (the next block's residual), readers take it from output
/// 3 (input_skip_bias_sum). Both summands must have the same known shape: the op does not broadcast the input.
/// </summary>
public sealed class FuseSkipLayerNormalization(bool simplified) : RewriteRule<SkipNormMatch>
{
    public override string Name => simplified ? "skip-simplified-layer-norm" : "skip-layer-norm";

    public override string RootOp => simplified ? "SimplifiedLayerNormalization" : "LayerNormalization";

    protected override Match<SkipNormMatch> Find(Node root)
    {
        if (FusionPatterns.Op(root.Input(0), "Add") is not { } residual || residual.Input(0) is not { } a || residual.Input(1) is not { } b) return Match<SkipNormMatch>.None;
        if (Patterns.ConstantTensor(a) is not null || Patterns.ConstantTensor(b) is not null) return BiasAddedLast(root, residual);
        // Fold a bias Add that only this residual reads; prefer the second summand (the sublayer's output).
        foreach (var (biased, other) in new[] { (b, a), (a, b) })
        {
            if (FusionPatterns.Op(biased, "Add") is { } biasAdd && FusionPatterns.SplitConstant(biasAdd) is { } split
                && FusionPatterns.ReadOnlyBy(biased, residual) && FusionPatterns.BiasProblem(split.Other, split.Constant) is null)
            {
                return new SkipNormMatch(root, residual, other, split.Other, biasAdd, split.Constant);
            }
        }
        return new SkipNormMatch(root, residual, a, b, null, null);
    }

    /// <summary>
    /// Norm(Add(Add(input, skip), bias)): the order defer-residual-bias leaves (-O2 does, for ORT's CPU), fused the
    /// same way; the outer Add is the full sum that input_skip_bias_sum carries.
    /// </summary>
    private static Match<SkipNormMatch> BiasAddedLast(Node root, Node biasAdd)
    {
        if (FusionPatterns.SplitConstant(biasAdd) is not { } split || FusionPatterns.Op(split.Other, "Add") is not { } inner) return Match<SkipNormMatch>.None;
        if (inner.Input(0) is not { } input || inner.Input(1) is not { } skip) return Match<SkipNormMatch>.None;
        if (Patterns.ConstantTensor(input) is not null || Patterns.ConstantTensor(skip) is not null) return Match<SkipNormMatch>.None;
        if (!FusionPatterns.ReadOnlyBy(split.Other, biasAdd) || FusionPatterns.BiasProblem(split.Other, split.Constant) is not null) return Match<SkipNormMatch>.None;
        return new SkipNormMatch(root, biasAdd, input, skip, inner, split.Constant);
    }

    protected override string? Check(SkipNormMatch match, Rewriter rewriter)
    {
        var norm = match.Norm;
        if (norm.Outputs.Skip(1).Any(o => o.Uses.Count > 0 || o.IsGraphOutput)) return "the norm's mean/inv_std_var outputs are read";
        var rank = Patterns.Rank(match.Input);
        long axis = norm.GetInt("axis", -1);
        if (axis != -1 && (rank is null || axis != rank - 1)) return $"norm axis {axis} is not the last axis";
        if (norm.GetInt("stash_type", 1) != 1) return "stash_type is not float";
        var inputShape = match.Input.Shape;
        var skipShape = match.Skip.Shape;
        if (inputShape is null || skipShape is null) return "shapes of the residual summands are unknown; cannot prove the Add does not broadcast";
        if (!inputShape.Equals(skipShape) || inputShape.Rank < 2 || inputShape.Rank > 3) return $"summand shapes {inputShape} and {skipShape} differ or are not 2-D/3-D";
        if (Patterns.ConstantTensor(norm.Input(1)) is not { Rank: 1 }) return "norm scale is not a constant 1-D vector";
        if (norm.Input(2) is { } beta && Patterns.ConstantTensor(beta) is not { Rank: 1 }) return "norm bias is not a constant 1-D vector";
        var sum = match.Residual.Output(0);
        if (!FusionPatterns.ReadersFollow(sum, norm, new[] { norm })) return $"{sum} is read before the norm";
        return null;
    }

    protected override void Rewrite(SkipNormMatch match, Rewriter rewriter)
    {
        var norm = match.Norm;
        var inputs = new List<Value?> { match.Input, match.Skip, norm.Input(1) };
        if (!simplified) inputs.Add(norm.Input(2));
        if (match.Bias is not null) inputs.Add(match.Bias);
        var sum = match.Residual.Output(0);
        bool sumReadElsewhere = sum.IsGraphOutput || sum.Uses.Any(u => !ReferenceEquals(u.Node, norm));
        var node = FusionPatterns.AddFused(rewriter, simplified ? "SkipSimplifiedLayerNormalization" : "SkipLayerNormalization", inputs,
            norm.Output(0), FusionPatterns.MicrosoftDomain, new[] { Attribute.Float("epsilon", norm.GetFloat("epsilon", 1e-5f)) },
            outputCount: sumReadElsewhere ? 4 : 1);
        if (sumReadElsewhere)
        {
            // Outputs 1 and 2 (mean, inv_std_var) get no name, so the exporter writes them as omitted optional
            // outputs and ONNX Runtime does not compute them; output 3 carries the sum to its other readers.
            node.Output(1).Name = "";
            node.Output(2).Name = "";
            node.Output(3).Name = sum.Name;
            node.Output(3).Type = sum.Type;
            rewriter.Replace(sum, node.Output(3));
        }
        rewriter.RemoveIfUnused(match.BiasAdd is null ? new[] { norm, match.Residual } : new[] { norm, match.Residual, match.BiasAdd });
    }
}

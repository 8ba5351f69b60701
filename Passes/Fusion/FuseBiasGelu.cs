using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>A GELU whose input is Add(activation, bias): the activation, the bias, and the two nodes.</summary>
public sealed record BiasGeluMatch(Value Input, Value Bias, Node Add, Node Gelu);

/// <summary>
/// Folds the bias Add of a linear layer into the GELU after it: Gelu(Add(a, b)) becomes com.microsoft
/// BiasGelu(a, b) and FastGelu(Add(a, b)) becomes FastGelu(a, b), as ONNX Runtime's optimizer does after its
/// Gelu fusion. The 3-D MatMul stays a MatMul; only a 1-D bias over the last axis is folded.
/// </summary>
public sealed class FuseBiasGelu(string rootOp, string rootDomain) : RewriteRule<BiasGeluMatch>
{
    public override string Name => "bias-gelu";

    public override string RootOp => rootOp;

    public override string RootDomain => rootDomain;

    protected override Match<BiasGeluMatch> Find(Node root)
    {
        if (root.Is("FastGelu", FusionPatterns.MicrosoftDomain) && root.Input(1) is not null) return Match<BiasGeluMatch>.None;
        if (root.Is("Gelu") && root.GetString("approximate", "none") != "none") return Match<BiasGeluMatch>.None;
        if (FusionPatterns.Op(root.Input(0), "Add") is not { } add || FusionPatterns.SplitConstant(add) is not { } split) return Match<BiasGeluMatch>.None;
        return new BiasGeluMatch(split.Other, split.Constant, add, root);
    }

    protected override string? Check(BiasGeluMatch match, Rewriter rewriter)
    {
        if (FusionPatterns.BiasProblem(match.Input, match.Bias) is { } problem) return problem;
        if (Patterns.ConstantTensor(match.Bias)!.ElementType != match.Input.ElementType && match.Input.ElementType is not null) return "bias and input differ in element type";
        return FusionPatterns.ReadOnlyBy(match.Add.Output(0), match.Gelu) ? null : $"{match.Add.Output(0)} has readers outside the pattern";
    }

    protected override void Rewrite(BiasGeluMatch match, Rewriter rewriter)
    {
        var op = match.Gelu.OpType == "FastGelu" ? "FastGelu" : "BiasGelu";
        FusionPatterns.AddFused(rewriter, op, new[] { match.Input, match.Bias }, match.Gelu.Output(0), domain: FusionPatterns.MicrosoftDomain);
        rewriter.RemoveIfUnused(new[] { match.Gelu, match.Add });
    }
}

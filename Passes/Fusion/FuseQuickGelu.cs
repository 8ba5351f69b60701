using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>The input and alpha of x·sigmoid(alpha·x), its output and the nodes computing it.</summary>
public sealed record QuickGeluMatch(Value Input, float Alpha, Value Output, IReadOnlyList<Node> Nodes, IReadOnlyList<Value> Intermediates);

/// <summary>
/// com.microsoft QuickGelu from x·sigmoid(α·x) (CLIP's α = 1.702), anchored at the Mul. x·sigmoid(x) (SiLU) is
/// the same op with α = 1, which is how ONNX Runtime's own QuickGelu fusion treats it.
/// </summary>
public sealed class FuseQuickGelu : RewriteRule<QuickGeluMatch>
{
    public override string Name => "quick-gelu";

    public override string RootOp => "Mul";

    protected override Match<QuickGeluMatch> Find(Node root)
    {
        if (root.Inputs.Count != 2) return Match<QuickGeluMatch>.None;
        for (int side = 0; side < 2; side++)
        {
            if (FusionPatterns.Op(root.Input(side), "Sigmoid") is not { } sigmoid || root.Input(1 - side) is not { } x) continue;
            if (ReferenceEquals(sigmoid.Input(0), x))
            {
                return new QuickGeluMatch(x, 1f, root.Output(0), new[] { root, sigmoid }, new[] { sigmoid.Output(0) });
            }
            if (FusionPatterns.Op(sigmoid.Input(0), "Mul") is { } scale && FusionPatterns.SplitScalar(scale) is { } split && ReferenceEquals(split.Other, x))
            {
                return new QuickGeluMatch(x, (float)split.Constant, root.Output(0), new[] { root, sigmoid, scale }, new[] { sigmoid.Output(0), scale.Output(0) });
            }
        }
        return Match<QuickGeluMatch>.None;
    }

    protected override string? Check(QuickGeluMatch match, Rewriter rewriter) =>
        FusionPatterns.FirstEscapingValue(match.Intermediates, match.Nodes) is { } escaping ? $"{escaping} has readers outside the pattern" : null;

    protected override void Rewrite(QuickGeluMatch match, Rewriter rewriter)
    {
        FusionPatterns.AddFused(rewriter, "QuickGelu", new[] { match.Input }, match.Output, domain: FusionPatterns.MicrosoftDomain,
            attributes: new[] { Attribute.Float("alpha", match.Alpha) });
        rewriter.RemoveIfUnused(match.Nodes);
    }
}

using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>The input of an exact (erf) GELU, its output and the nodes computing it.</summary>
public sealed record GeluMatch(Value Input, Value Output, IReadOnlyList<Node> Nodes, IReadOnlyList<Value> Intermediates);

/// <summary>
/// Gelu from the erf form 0.5·x·(1 + erf(x/√2)), anchored at the last Mul, in the arrangements exporters write:
/// x/√2 as Div(x, √2) or Mul(x, 1/√2), and the 0.5 applied first, last or to the erf term.
/// Emits the standard Gelu from opset 20 and com.microsoft Gelu below it, as ONNX Runtime runs both on CPU.
/// </summary>
public sealed class FuseGelu : RewriteRule<GeluMatch>
{
    private const double InverseSqrt2 = 0.70710678118654752;

    public override string Name => "gelu";

    public override string RootOp => "Mul";

    protected override Match<GeluMatch> Find(Node root)
    {
        var nodes = new List<Node> { root };
        if (FusionPatterns.ProductFactors(root, nodes) is not { Count: 3 } factors) return Match<GeluMatch>.None;
        int erfAt = factors.FindIndex(f => FusionPatterns.OnePlus(f, "Erf") is not null);
        if (erfAt < 0) return Match<GeluMatch>.None;
        var (add, erf) = FusionPatterns.OnePlus(factors[erfAt], "Erf")!.Value;

        // erf(x · 1/√2): Div(x, √2) or Mul(x, 1/√2).
        Value? x = null;
        double scale;
        Node? scaleNode = FusionPatterns.Op(erf.Input(0), "Div") ?? FusionPatterns.Op(erf.Input(0), "Mul");
        if (scaleNode is null) return Match<GeluMatch>.None;
        if (scaleNode.Is("Div"))
        {
            if (Patterns.ScalarConstant(scaleNode.Input(1)) is not { } divisor || divisor == 0) return Match<GeluMatch>.None;
            x = scaleNode.Input(0);
            scale = 1 / divisor;
        }
        else
        {
            if (FusionPatterns.SplitScalar(scaleNode) is not { } split) return Match<GeluMatch>.None;
            x = split.Other;
            scale = split.Constant;
        }
        var rest = factors.Where((_, i) => i != erfAt).ToList();
        int xAt = rest.FindIndex(f => ReferenceEquals(f, x));
        if (xAt < 0) return Match<GeluMatch>.Miss("the erf term does not multiply the value it was computed from");
        var half = rest[1 - xAt];
        if (Patterns.ScalarConstant(half) is not { } halfValue) return Match<GeluMatch>.Miss("the remaining factor is not a constant");
        if (!FusionPatterns.Near(halfValue, 0.5)) return Match<GeluMatch>.Miss($"the constant factor is {halfValue}, not 0.5");
        if (!FusionPatterns.Near(scale, InverseSqrt2)) return Match<GeluMatch>.Miss($"erf input is scaled by {scale:G6}, not 1/√2");

        nodes.AddRange(new[] { add, erf, scaleNode });
        var intermediates = nodes.Where(n => !ReferenceEquals(n, root)).Select(n => n.Output(0)).ToList();
        return new GeluMatch(x!, root.Output(0), nodes, intermediates);
    }

    protected override string? Check(GeluMatch match, Rewriter rewriter) =>
        FusionPatterns.FirstEscapingValue(match.Intermediates, match.Nodes) is { } escaping ? $"{escaping} has readers outside the pattern" : null;

    protected override void Rewrite(GeluMatch match, Rewriter rewriter)
    {
        FusionPatterns.AddFused(rewriter, "Gelu", new[] { match.Input }, match.Output, domain: rewriter.Opset >= 20 ? "" : FusionPatterns.MicrosoftDomain);
        rewriter.RemoveIfUnused(match.Nodes);
    }
}

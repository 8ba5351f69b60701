using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>The input of a tanh-approximated GELU, its output and the nodes computing it.</summary>
public sealed record FastGeluMatch(Value Input, Value Output, IReadOnlyList<Node> Nodes, IReadOnlyList<Value> Intermediates);

/// <summary>
/// com.microsoft FastGelu from GPT-2's tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), anchored at
/// the last Mul; x³ as Pow(x, 3) or Mul(x, Mul(x, x)), every product and sum in either argument order.
/// FastGelu (not the opset-20 Gelu with approximate="tanh") because it also takes the bias BiasGelu fusion folds in.
/// </summary>
public sealed class FuseFastGelu : RewriteRule<FastGeluMatch>
{
    private const double SqrtTwoOverPi = 0.79788456080286536;
    private const double CubicCoefficient = 0.044715;

    public override string Name => "fast-gelu";

    public override string RootOp => "Mul";

    protected override Match<FastGeluMatch> Find(Node root)
    {
        var nodes = new List<Node> { root };
        if (FusionPatterns.ProductFactors(root, nodes) is not { Count: 3 } factors) return Match<FastGeluMatch>.None;
        int tanhAt = factors.FindIndex(f => FusionPatterns.OnePlus(f, "Tanh") is not null);
        if (tanhAt < 0) return Match<FastGeluMatch>.None;
        var (add, tanh) = FusionPatterns.OnePlus(factors[tanhAt], "Tanh")!.Value;

        // tanh(c · (x + 0.044715 · x³)).
        if (FusionPatterns.Op(tanh.Input(0), "Mul") is not { } scaled || FusionPatterns.SplitScalar(scaled) is not { } scaleSplit) return Match<FastGeluMatch>.None;
        if (FusionPatterns.Op(scaleSplit.Other, "Add") is not { } sum || sum.Input(0) is not { } s0 || sum.Input(1) is not { } s1) return Match<FastGeluMatch>.None;
        Value x;
        Node cubicTerm;
        if (FusionPatterns.Op(s1, "Mul") is { } t1 && Cube(t1, s0) is not null) (x, cubicTerm) = (s0, t1);
        else if (FusionPatterns.Op(s0, "Mul") is { } t0 && Cube(t0, s1) is not null) (x, cubicTerm) = (s1, t0);
        else return Match<FastGeluMatch>.None;
        var cubeNodes = Cube(cubicTerm, x)!;

        var rest = factors.Where((_, i) => i != tanhAt).ToList();
        int xAt = rest.FindIndex(f => ReferenceEquals(f, x));
        if (xAt < 0) return Match<FastGeluMatch>.Miss("the tanh term does not multiply the value it was computed from");
        if (Patterns.ScalarConstant(rest[1 - xAt]) is not { } half || !FusionPatterns.Near(half, 0.5)) return Match<FastGeluMatch>.Miss("the constant factor is not 0.5");
        if (!FusionPatterns.Near(scaleSplit.Constant, SqrtTwoOverPi)) return Match<FastGeluMatch>.Miss($"tanh input is scaled by {scaleSplit.Constant:G6}, not √(2/π)");
        var coefficient = FusionPatterns.SplitScalar(cubicTerm)!.Value.Constant;
        if (!FusionPatterns.Near(coefficient, CubicCoefficient)) return Match<FastGeluMatch>.Miss($"cubic coefficient is {coefficient:G6}, not 0.044715");

        nodes.AddRange(new[] { add, tanh, scaled, sum, cubicTerm });
        nodes.AddRange(cubeNodes);
        var intermediates = nodes.Where(n => !ReferenceEquals(n, root)).Select(n => n.Output(0)).ToList();
        return new FastGeluMatch(x, root.Output(0), nodes, intermediates);
    }

    /// <summary>For Mul(x³, c) with scalar c: the nodes computing x³ (Pow(x, 3), or Mul(x, Mul(x, x)) either way round).</summary>
    private static List<Node>? Cube(Node term, Value x)
    {
        if (FusionPatterns.SplitScalar(term) is not { } split) return null;
        if (FusionPatterns.Op(split.Other, "Pow") is { } pow)
        {
            return ReferenceEquals(pow.Input(0), x) && Patterns.ScalarConstant(pow.Input(1)) == 3 ? new List<Node> { pow } : null;
        }
        if (FusionPatterns.Op(split.Other, "Mul") is not { } outer) return null;
        var other = Patterns.OtherInput(outer, x);
        if (other is null || FusionPatterns.Op(other, "Mul") is not { } square) return null;
        return ReferenceEquals(square.Input(0), x) && ReferenceEquals(square.Input(1), x) ? new List<Node> { outer, square } : null;
    }

    protected override string? Check(FastGeluMatch match, Rewriter rewriter) =>
        FusionPatterns.FirstEscapingValue(match.Intermediates, match.Nodes) is { } escaping ? $"{escaping} has readers outside the pattern" : null;

    protected override void Rewrite(FastGeluMatch match, Rewriter rewriter)
    {
        FusionPatterns.AddFused(rewriter, "FastGelu", new[] { match.Input }, match.Output, domain: FusionPatterns.MicrosoftDomain);
        rewriter.RemoveIfUnused(match.Nodes);
    }
}

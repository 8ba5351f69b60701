using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>The pieces of a decomposed RMSNorm: input, scale, epsilon, the output and the nodes to remove.</summary>
public sealed record RmsNormMatch(Value Input, Value Scale, float Epsilon, Value Output, IReadOnlyList<Node> Nodes, IReadOnlyList<Value> Intermediates);

/// <summary>
/// SimplifiedLayerNormalization (RMSNorm) from Llama-style exports: Pow(x, 2) → ReduceMean → Add(eps) → Sqrt →
/// (Div(1, ·) or Reciprocal) → Mul(x, ·) → Mul(weight), or Div(x, Sqrt(...)) → Mul(weight). Anchored at the
/// Mul with the weight. Emitted in the default domain, where ONNX Runtime registers it (version 1) on CPU.
/// </summary>
public sealed class FuseSimplifiedLayerNormalization : RewriteRule<RmsNormMatch>
{
    public override string Name => "simplified-layer-norm";

    public override string RootOp => "Mul";

    protected override Match<RmsNormMatch> Find(Node root)
    {
        if (FusionPatterns.SplitConstant(root) is not { } split) return Match<RmsNormMatch>.None;
        var nodes = new List<Node> { root };
        var intermediates = new List<Value> { split.Other };

        // normalized = x / sqrt(ms + eps), spelled Div(x, s), Mul(x, Div(1, s)) or Mul(x, Reciprocal(s)).
        Value? x;
        Node? sqrt;
        if (FusionPatterns.Op(split.Other, "Div") is { } div)
        {
            x = div.Input(0);
            sqrt = FusionPatterns.Op(div.Input(1), "Sqrt");
            nodes.Add(div);
        }
        else if (FusionPatterns.Op(split.Other, "Mul") is { } scaleMul && scaleMul.Inputs.Count == 2)
        {
            var (inverse, candidateX) = Inverse(scaleMul.Input(1)) is { } right ? (right, scaleMul.Input(0)) : (Inverse(scaleMul.Input(0)), scaleMul.Input(1));
            if (inverse is null) return Match<RmsNormMatch>.None;
            x = candidateX;
            sqrt = FusionPatterns.Op(inverse.Input(inverse.Is("Div") ? 1 : 0), "Sqrt");
            nodes.Add(scaleMul);
            nodes.Add(inverse);
            intermediates.Add(inverse.Output(0));
        }
        else
        {
            return Match<RmsNormMatch>.None;
        }
        if (x is null || sqrt is null) return Match<RmsNormMatch>.None;
        // Normalizing x - mean(x) this way is a LayerNorm; leave it to that rule.
        if (FusionPatterns.Op(x, "Sub") is { } centered && FusionPatterns.Op(centered.Input(1), "ReduceMean") is { } mean && ReferenceEquals(mean.Input(0), centered.Input(0)))
        {
            return Match<RmsNormMatch>.None;
        }
        intermediates.Add(sqrt.Output(0));
        if (FusionPatterns.Op(sqrt.Input(0), "Add") is not { } addEps || FusionPatterns.SplitScalar(addEps) is not { } epsSplit) return Match<RmsNormMatch>.None;
        if (FusionPatterns.Op(epsSplit.Other, "ReduceMean") is not { } meanSquare) return Match<RmsNormMatch>.None;
        Node square;
        if (FusionPatterns.Op(meanSquare.Input(0), "Pow") is { } pow && ReferenceEquals(pow.Input(0), x))
        {
            if (Patterns.ScalarConstant(pow.Input(1)) is not { } exponent || exponent != 2) return Match<RmsNormMatch>.Miss($"Pow exponent is {Patterns.ScalarConstant(pow.Input(1))?.ToString() ?? "not a constant"}, not 2");
            square = pow;
        }
        else if (FusionPatterns.Op(meanSquare.Input(0), "Mul") is { } self && ReferenceEquals(self.Input(0), x) && ReferenceEquals(self.Input(1), x))
        {
            square = self;
        }
        else
        {
            // A LayerNorm's Div reads Sqrt(var + eps) too, but its variance is of x - mean: not this pattern.
            return Match<RmsNormMatch>.None;
        }
        if (FusionPatterns.LastAxisMeanProblem(meanSquare, x) is { } problem) return Match<RmsNormMatch>.Miss(problem);
        nodes.AddRange(new[] { sqrt, addEps, meanSquare, square });
        intermediates.AddRange(new[] { addEps.Output(0), meanSquare.Output(0), square.Output(0) });
        return new RmsNormMatch(x, split.Constant, (float)epsSplit.Constant, root.Output(0), nodes, intermediates);
    }

    /// <summary>The node computing 1/s: Div(1, s) or Reciprocal(s).</summary>
    private static Node? Inverse(Value? value) =>
        FusionPatterns.Op(value, "Reciprocal") ??
        (FusionPatterns.Op(value, "Div") is { } div && Patterns.IsScalarConstant(div.Input(0), 1.0) ? div : null);

    protected override string? Check(RmsNormMatch match, Rewriter rewriter)
    {
        if (match.Epsilon < 0) return $"epsilon {match.Epsilon} is negative";
        if (FusionPatterns.NormWeightProblem(match.Scale, match.Input, "scale") is { } problem) return problem;
        var scaleType = Patterns.ConstantTensor(match.Scale)!.ElementType;
        if (match.Input.ElementType is { } inputType && inputType != scaleType) return $"input is {inputType} but scale is {scaleType}";
        if (FusionPatterns.FirstEscapingValue(match.Intermediates, match.Nodes) is { } escaping) return $"{escaping} has readers outside the pattern";
        return null;
    }

    protected override void Rewrite(RmsNormMatch match, Rewriter rewriter)
    {
        FusionPatterns.AddFused(rewriter, "SimplifiedLayerNormalization", new[] { match.Input, match.Scale }, match.Output, attributes: new[]
        {
            Attribute.Int("axis", -1),
            Attribute.Float("epsilon", match.Epsilon),
        });
        rewriter.RemoveIfUnused(match.Nodes);
    }
}

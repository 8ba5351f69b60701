using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>The pieces of a decomposed LayerNorm: input, statistics chain, affine weights and every node to remove.</summary>
public sealed record LayerNormMatch(Value Input, Value Gamma, Value? Beta, float Epsilon, Value Output, IReadOnlyList<Node> Nodes, IReadOnlyList<Value> Intermediates);

/// <summary>
/// LayerNormalization from the decomposed form torch.onnx.export writes below opset 17:
/// ReduceMean(x) → Sub → Pow(2) → ReduceMean → Add(eps) → Sqrt → Div(Sub, ·) → Mul(γ) → Add(β).
/// Anchored at the last node (Add(β), or Mul(γ) when there is no β) so every value the pattern reads is defined
/// before the inserted node. Accepts Mul(d, d) for Pow(d, 2), either argument order of Mul/Add, eps as
/// initializer or Constant, axes as attribute or input (opset 18), and torch's older export with the Sub
/// duplicated for Pow and Div, and the half-precision export (x - mean cast to float for the statistics, the
/// quotient cast back before γ), fused with stash_type 1 so the statistics stay in float.
/// </summary>
/// <remarks>
/// Emitted in the default domain at the model's opset, as ONNX Runtime's transformers optimizer does: standard
/// from opset 17, and below that ONNX Runtime still registers its former contrib LayerNormalization (versions
/// 1–16 of the default domain) for CPU, so the model loads there; strict onnx.checker would reject it below 17.
/// </remarks>
public sealed class FuseLayerNormalization(bool withBeta) : RewriteRule<LayerNormMatch>
{
    public override string Name => "layer-norm";

    public override string RootOp => withBeta ? "Add" : "Mul";

    protected override Match<LayerNormMatch> Find(Node root)
    {
        Node? addBeta = null;
        Node mulGamma;
        Value? beta = null;
        if (withBeta)
        {
            // Add(Mul(normalized, γ), β) with β constant.
            if (FusionPatterns.SplitConstant(root) is not { } split || FusionPatterns.Op(split.Other, "Mul") is not { } mul) return Match<LayerNormMatch>.None;
            addBeta = root;
            mulGamma = mul;
            beta = split.Constant;
        }
        else
        {
            mulGamma = root;
            // A Mul followed by Add(β) is the with-β rule's match, tried when the driver reaches that Add.
            if (root.Output(0).Uses is [{ Node: { } next }] && next.Is("Add") && FusionPatterns.SplitConstant(next) is not null && !root.Output(0).IsGraphOutput)
            {
                return Match<LayerNormMatch>.None;
            }
        }
        if (FusionPatterns.SplitConstant(mulGamma) is not { } gammaSplit) return Match<LayerNormMatch>.None;
        var gamma = gammaSplit.Constant;

        // torch's half-precision export casts x - mean to float for the statistics and the quotient back:
        // Cast(Sub) feeds Pow and Div, and Cast(Div) feeds Mul(γ).
        var castBack = FusionPatterns.Op(gammaSplit.Other, "Cast");
        if (FusionPatterns.Op(castBack is null ? gammaSplit.Other : castBack.Input(0), "Div") is not { } div) return Match<LayerNormMatch>.None;
        var castUp = FusionPatterns.Op(div.Input(0), "Cast");
        if ((castBack is null) != (castUp is null)) return Match<LayerNormMatch>.Miss("only one side of the half-precision Cast pair is present");
        var numerator = castUp is null ? div.Input(0) : castUp.Input(0);

        // Div(x - mean, Sqrt(var + eps)).
        if (FusionPatterns.Op(numerator, "Sub") is not { } subForDiv || FusionPatterns.Op(div.Input(1), "Sqrt") is not { } sqrt) return Match<LayerNormMatch>.None;
        if (FusionPatterns.Op(subForDiv.Input(1), "ReduceMean") is not { } mean || !ReferenceEquals(mean.Input(0), subForDiv.Input(0)) || subForDiv.Input(0) is not { } x)
        {
            return Match<LayerNormMatch>.None;
        }
        if (FusionPatterns.Op(sqrt.Input(0), "Add") is not { } addEps || FusionPatterns.SplitScalar(addEps) is not { } epsSplit) return Match<LayerNormMatch>.Miss("Sqrt input is not Add(variance, constant epsilon)");
        if (FusionPatterns.Op(epsSplit.Other, "ReduceMean") is not { } variance) return Match<LayerNormMatch>.Miss("epsilon is not added to a ReduceMean");
        if (FusionPatterns.LastAxisMeanProblem(mean, x) is { } meanProblem) return Match<LayerNormMatch>.Miss(meanProblem);
        if (FusionPatterns.LastAxisMeanProblem(variance, x) is { } varianceProblem) return Match<LayerNormMatch>.Miss(varianceProblem);

        // variance = ReduceMean(Pow(d, 2)) or ReduceMean(Mul(d, d)), d = the same Sub or a duplicate of it.
        Node square;
        Value? squared;
        if (FusionPatterns.Op(variance.Input(0), "Pow") is { } pow)
        {
            if (Patterns.ScalarConstant(pow.Input(1)) is not { } exponent) return Match<LayerNormMatch>.Miss("Pow exponent is not a constant");
            if (exponent != 2) return Match<LayerNormMatch>.Miss($"Pow exponent is {exponent}, not 2");
            square = pow;
            squared = pow.Input(0);
        }
        else if (FusionPatterns.Op(variance.Input(0), "Mul") is { } mulSelf && ReferenceEquals(mulSelf.Input(0), mulSelf.Input(1)))
        {
            square = mulSelf;
            squared = mulSelf.Input(0);
        }
        else
        {
            return Match<LayerNormMatch>.Miss("variance ReduceMean does not read Pow(x - mean, 2)");
        }
        var nodes = new List<Node> { mean, subForDiv, square, variance, addEps, sqrt, div, mulGamma };
        var intermediates = new List<Value> { mean.Output(0), subForDiv.Output(0), square.Output(0), variance.Output(0), addEps.Output(0), sqrt.Output(0), div.Output(0) };
        if (castUp is not null && castBack is not null)
        {
            if (castUp.GetInt("to", 0) != (long)DataType.Float) return Match<LayerNormMatch>.Miss("the statistics are not cast to float");
            if (Patterns.ConstantTensor(gamma) is { } g && castBack.GetInt("to", 0) != (long)g.ElementType) return Match<LayerNormMatch>.Miss("the normalized value is not cast back to gamma's type");
            nodes.AddRange(new[] { castUp, castBack });
            intermediates.AddRange(new[] { castUp.Output(0), castBack.Output(0) });
        }
        if (!ReferenceEquals(squared, div.Input(0)))
        {
            if (castUp is not null) return Match<LayerNormMatch>.Miss("the squared value is not the cast x - mean");
            if (FusionPatterns.Op(squared, "Sub") is not { } subForPow || !ReferenceEquals(subForPow.Input(0), x) || !ReferenceEquals(subForPow.Input(1), mean.Output(0)))
            {
                return Match<LayerNormMatch>.Miss("the squared value is not x - mean");
            }
            nodes.Add(subForPow);
            intermediates.Add(subForPow.Output(0));
        }
        if (addBeta is not null)
        {
            nodes.Add(addBeta);
            intermediates.Add(mulGamma.Output(0));
        }
        return new LayerNormMatch(x, gamma, beta, (float)epsSplit.Constant, root.Output(0), nodes, intermediates);
    }

    protected override string? Check(LayerNormMatch match, Rewriter rewriter)
    {
        if (match.Epsilon < 0) return $"epsilon {match.Epsilon} is negative";
        if (FusionPatterns.NormWeightProblem(match.Gamma, match.Input, "gamma") is { } gammaProblem) return gammaProblem;
        if (match.Beta is not null && FusionPatterns.NormWeightProblem(match.Beta, match.Input, "beta") is { } betaProblem) return betaProblem;
        var gammaType = Patterns.ConstantTensor(match.Gamma)!.ElementType;
        if (match.Input.ElementType is { } inputType && inputType != gammaType) return $"input is {inputType} but gamma is {gammaType}";
        if (match.Beta is not null && Patterns.ConstantTensor(match.Beta)!.ElementType != gammaType) return "beta and gamma differ in element type";
        if (FusionPatterns.FirstEscapingValue(match.Intermediates, match.Nodes) is { } escaping) return $"{escaping} has readers outside the pattern";
        return null;
    }

    protected override void Rewrite(LayerNormMatch match, Rewriter rewriter)
    {
        var inputs = match.Beta is null ? new[] { match.Input, match.Gamma } : new[] { match.Input, match.Gamma, match.Beta };
        FusionPatterns.AddFused(rewriter, "LayerNormalization", inputs, match.Output, attributes: new[]
        {
            Attribute.Int("axis", -1),
            Attribute.Float("epsilon", match.Epsilon),
        });
        rewriter.RemoveIfUnused(match.Nodes);
    }
}

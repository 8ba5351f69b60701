using Onnxc.Ir;
using Onnxc.Ir.Inference;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion;

/// <summary>
/// A rewrite pass whose rules need shapes to prove a fusion exact (no hidden broadcast, a 2-D operand): it runs
/// shape inference first, as ONNX Runtime does when it loads a model, and counts the values it typed as a change.
/// </summary>
public class ShapeAwareRewritePass(string name, string description, params IRewriteRule[] rules) : IPass
{
    private readonly PatternRewritePass _rules = new(name, description, rules);

    public string Name => name;

    public string Description => description;

    public PassResult Run(Model model, PassContext context)
    {
        var inferred = ShapeInference.Run(model);
        var result = _rules.Run(model, context);
        var counts = new Dictionary<string, int>(result.Counts);
        int typed = inferred.ValuesTyped + inferred.ValuesRefined;
        if (typed > 0) counts["typed-values"] = typed;
        return new PassResult(counts.Count > 0, counts);
    }
}

using Onnxc.Ir;
using Onnxc.Ir.Inference;

namespace Onnxc.Passes.Cleanup;

/// <summary>
/// Runs shape inference as a pass, so the passes after it see static dims: constant folding turns Shape of a
/// statically shaped value into a constant, and no-op removal compares shapes.
/// </summary>
public sealed class InferShapes : IPass
{
    public string Name => "infer-shapes";

    public string Description => "infer element types and shapes of node outputs";

    public PassResult Run(Model model, PassContext context)
    {
        var result = ShapeInference.Run(model);
        return PassResult.Of(("typed-values", result.ValuesTyped), ("refined-values", result.ValuesRefined));
    }
}

using Onnxc.Ir;
using Onnxc.Ir.Inference;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// Shape facts shared by the attention rules during one pass run. Shape inference runs as a scratch analysis and
/// the value types are put back afterwards, so a pass that rewrites nothing leaves the model exactly as it was.
/// </summary>
public sealed class AttentionAnalysis
{
    private ShapeFacts? _facts;

    /// <summary>The facts of the current run (valid only inside <see cref="Run"/>).</summary>
    public ShapeFacts Facts => _facts ?? throw new InvalidOperationException("attention rules used outside their pass");

    /// <summary>Runs <paramref name="body"/> with inferred types in place, then restores the declared ones.</summary>
    public T Run<T>(Model model, Func<T> body)
    {
        var saved = new Dictionary<Value, IrType?>();
        foreach (var graph in GraphWalk.AllGraphs(model))
            foreach (var node in graph.Nodes)
                foreach (var output in node.Outputs) saved[output] = output.Type;
        try
        {
            ShapeInference.Run(model);
            _facts = new ShapeFacts(model.OpsetVersion("") ?? 1);
            return body();
        }
        finally
        {
            _facts = null;
            foreach (var (value, type) in saved) value.Type = type;
            // Values created by rewrites were never typed by the analysis: leave them untyped as well.
        }
    }
}

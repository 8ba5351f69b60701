using Onnxc.Ir;

namespace Onnxc.Passes.Normalization;

/// <summary>
/// Pre-RMSNorm (Jiang et al. 2023): in a Pre-LN transformer, re-centers the weights that write into the residual
/// stream so the stream has zero mean over the hidden dim; then every LayerNorm reading it equals RMSNorm with the
/// same scale and bias, and becomes SimplifiedLayerNormalization (+ Add of the bias when it is nonzero). Refuses,
/// with the reason in the explain log, when the equivalence cannot be proved (post-LN, non-linear writes, other readers).
/// </summary>
public sealed class ConvertLayerNormToRmsNorm : IPass
{
    public string Name => "pre-rmsnorm";

    public string Description => "LayerNorm -> RMSNorm on a re-centered residual stream (Pre-LN transformers only)";

    public PassResult Run(Model model, PassContext context)
    {
        var graph = model.Graph;
        var plan = ResidualStreamAnalysis.Analyze(graph);
        if (plan.LayerNorms.Count == 0) return PassResult.Unchanged;
        if (plan.Refusal is { } reason)
        {
            context.Record(Name, plan.RefusedAt ?? plan.LayerNorms[0], applied: false, reason);
            return PassResult.Unchanged;
        }
        int centered = Recenter(graph, plan.Sites);
        foreach (var layerNorm in plan.LayerNorms) ReplaceWithRmsNorm(graph, layerNorm);
        context.Record(Name, plan.LayerNorms[0], applied: true, $"{plan.LayerNorms.Count} LayerNorms, {centered} weights re-centered");
        return PassResult.Of(("converted-layer-norms", plan.LayerNorms.Count), ("recentered-weights", centered));
    }

    /// <summary>Gives each site a re-centered copy of its weight (shared by sites with the same weight and axis; the original stays for other readers).</summary>
    private static int Recenter(Graph graph, IReadOnlyList<RecenterSite> sites)
    {
        var copies = new Dictionary<(Value, int), Value>();
        foreach (var site in sites)
        {
            if (!copies.TryGetValue((site.Constant, site.Axis), out var copy))
            {
                copy = graph.AddInitializer(site.Constant.Name + "_centered", Recentering.Center(site.Constant.Initializer!, site.Axis));
                copies[(site.Constant, site.Axis)] = copy;
            }
            site.Consumer.ReplaceInput(site.Index, copy);
        }
        foreach (var original in copies.Keys.Select(k => k.Item1).Distinct())
        {
            if (original.Uses.Count == 0 && !original.IsGraphOutput && !original.IsGraphInput) graph.RemoveInitializer(original);
        }
        return copies.Count;
    }

    /// <summary>
    /// SimplifiedLayerNormalization is ONNX Runtime's RMSNorm, registered in the default domain (since version 1) with
    /// LayerNormalization's axis/epsilon/stash_type attributes and no bias input, so a nonzero bias becomes an Add.
    /// </summary>
    private static void ReplaceWithRmsNorm(Graph graph, Node layerNorm)
    {
        var x = layerNorm.Input(0)!;
        var scale = layerNorm.Input(1)!;
        var bias = layerNorm.Input(2);
        var attributes = new[]
        {
            Ir.Attribute.Int("axis", -1),
            Ir.Attribute.Float("epsilon", layerNorm.GetFloat("epsilon", 1e-5f)),
            Ir.Attribute.Int("stash_type", 1),
        };
        var output = layerNorm.Output();
        var rms = new Node("SimplifiedLayerNormalization", new[] { x, scale }, new[] { output.Name + "_rms" }, attributes: attributes, name: layerNorm.Name);
        graph.InsertBefore(layerNorm, rms);
        var result = rms.Output();
        result.Type = output.Type;
        if (bias is not null && !IsAllZero(bias))
        {
            var add = new Node("Add", new[] { result, bias }, new[] { output.Name + "_biased" });
            graph.InsertBefore(layerNorm, add);
            add.Output().Type = output.Type;
            result = add.Output();
        }
        // The result keeps the LayerNorm's output name (a graph output hands its name over in ReplaceAllUsesWith).
        if (!output.IsGraphOutput) (result.Name, output.Name) = (output.Name, result.Name);
        output.ReplaceAllUsesWith(result);
        graph.Remove(layerNorm);
    }

    private static bool IsAllZero(Value value) =>
        value.Initializer is { ElementType: DataType.Float } tensor && !value.IsGraphInput && tensor.AsSpan<float>().ToArray().All(v => v == 0f);
}

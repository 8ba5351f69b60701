using Onnxc.Ir;

namespace Onnxc.Passes.Cleanup;

/// <summary>Removes nodes whose outputs reach no graph output, and initializers nobody reads.</summary>
public sealed class EliminateDeadCode : IPass
{
    public string Name => "eliminate-dead-code";

    public string Description => "remove nodes and initializers that no graph output depends on";

    public PassResult Run(Model model, PassContext context)
    {
        int nodes = 0, initializers = 0;
        // Inner graphs first: a dead node inside a branch may be the only reader of an outer value.
        foreach (var graph in GraphWalk.AllGraphs(model).Reverse()) nodes += RemoveDeadNodes(graph);
        foreach (var graph in GraphWalk.AllGraphs(model)) initializers += RemoveUnusedInitializers(graph);
        return PassResult.Of(("removed-nodes", nodes), ("removed-initializers", initializers));
    }

    private static int RemoveDeadNodes(Graph graph)
    {
        int removed = 0;
        foreach (var node in graph.Nodes.Reverse().ToList())
        {
            if (node.Graph is null || !IsDead(node)) continue;
            graph.Remove(node);
            removed++;
        }
        return removed;
    }

    private static bool IsDead(Node node) =>
        !HasSideEffects(node) && node.Outputs.All(o => o.Uses.Count == 0 && !o.IsGraphOutput);

    // Random generators are kept: removing one would not change results, but ONNX treats them as stateful
    // and keeping them is what a user expects of a clean-up pass.
    private static bool HasSideEffects(Node node) => node.Domain.Length == 0 && node.OpType is
        "RandomNormal" or "RandomUniform" or "RandomNormalLike" or "RandomUniformLike" or "Multinomial" or "Bernoulli";

    private static int RemoveUnusedInitializers(Graph graph)
    {
        int removed = 0;
        foreach (var value in graph.Initializers.ToList())
        {
            // An initializer that is also a graph input is part of the interface (an overridable default).
            if (value.Uses.Count > 0 || value.IsGraphOutput || value.IsGraphInput) continue;
            graph.RemoveInitializer(value);
            removed++;
        }
        return removed;
    }
}

using Onnxc.Ir;

namespace Onnxc.Passes;

/// <summary>Helpers to visit every graph of a model (main graph, subgraphs, function bodies).</summary>
public static class GraphWalk
{
    /// <summary>The main graph and all nested subgraphs, outer graphs first.</summary>
    public static IEnumerable<Graph> AllGraphs(Model model)
    {
        foreach (var graph in WithSubgraphs(model.Graph)) yield return graph;
        foreach (var function in model.Functions)
        {
            foreach (var graph in WithSubgraphs(function.Body)) yield return graph;
        }
    }

    public static IEnumerable<Graph> WithSubgraphs(Graph graph)
    {
        yield return graph;
        foreach (var node in graph.Nodes.ToList())
        {
            foreach (var sub in node.Subgraphs)
            {
                foreach (var inner in WithSubgraphs(sub)) yield return inner;
            }
        }
    }
}

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

    /// <summary>
    /// The graphs a rewrite that adds initializers or new op domains may edit: the main graph and its subgraphs, not
    /// function bodies (a FunctionProto holds no initializers and declares its own opsets; -O1/-O2 inline the
    /// calls first, so what is left in a body is what inline-functions refused to expand).
    /// </summary>
    public static IEnumerable<Graph> Rewritable(Model model) => WithSubgraphs(model.Graph);

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

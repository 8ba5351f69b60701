using Onnxc.Ir;

namespace Onnxc.Backends.Onnx;

/// <summary>
/// Keeps node order stable across import and export: a graph already in dependency order keeps its order (the
/// file's order), and only an unsorted graph is sorted. Sorting a sorted graph again may permute independent nodes,
/// which would make round trips drift.
/// </summary>
internal static class GraphOrder
{
    /// <summary>The nodes in dependency order: the current order when it already is one, otherwise a topological sort.</summary>
    public static IReadOnlyList<Node> Of(Graph graph)
    {
        var nodes = graph.Nodes.ToList();
        return IsSorted(graph, nodes) ? nodes : graph.TopologicalOrder();
    }

    /// <summary>Sorts the graph's nodes in place unless they are already in dependency order.</summary>
    public static void Ensure(Graph graph)
    {
        if (!IsSorted(graph, graph.Nodes.ToList())) graph.SortTopologically();
    }

    private static bool IsSorted(Graph graph, List<Node> nodes)
    {
        var position = new Dictionary<Node, int>(nodes.Count, ReferenceEqualityComparer.Instance);
        for (int i = 0; i < nodes.Count; i++) position[nodes[i]] = i;
        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (var dependency in Dependencies(graph, nodes[i]))
            {
                if (!position.TryGetValue(dependency, out var at) || at >= i) return false;
            }
        }
        return true;
    }

    /// <summary>Producers in <paramref name="graph"/> that <paramref name="node"/> reads, directly or from its subgraphs.</summary>
    private static IEnumerable<Node> Dependencies(Graph graph, Node node)
    {
        foreach (var input in node.Inputs)
        {
            if (input?.Producer is { } p && p.Graph == graph) yield return p;
        }
        foreach (var sub in node.Subgraphs)
        {
            foreach (var inner in sub.AllNodes())
            {
                foreach (var input in inner.Inputs)
                {
                    if (input?.Producer is { } p && p.Graph == graph) yield return p;
                }
            }
            foreach (var sg in SubgraphsOf(sub))
            {
                foreach (var output in sg.Outputs)
                {
                    if (output.Producer is { } p && p.Graph == graph) yield return p;
                }
            }
        }
    }

    private static IEnumerable<Graph> SubgraphsOf(Graph graph)
    {
        yield return graph;
        foreach (var node in graph.AllNodes())
        {
            foreach (var sub in node.Subgraphs) yield return sub;
        }
    }
}

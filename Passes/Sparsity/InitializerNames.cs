using Onnxc.Ir;

namespace Onnxc.Passes.Sparsity;

/// <summary>Fresh initializer names, so a weight shared by two layers gets two distinct pruned copies.</summary>
internal static class InitializerNames
{
    public static string Unique(Graph graph, string wanted)
    {
        var taken = graph.Initializers.Select(v => v.Name).Concat(graph.Inputs.Select(v => v.Name)).ToHashSet(StringComparer.Ordinal);
        if (!taken.Contains(wanted)) return wanted;
        for (int i = 1; ; i++)
        {
            if (!taken.Contains($"{wanted}.{i}")) return $"{wanted}.{i}";
        }
    }
}

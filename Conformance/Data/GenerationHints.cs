using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>Facts read from a model that make generated inputs valid, such as token-id ranges.</summary>
public static class GenerationHints
{
    private static readonly HashSet<string> PassThrough = new(StringComparer.Ordinal) { "Cast", "Reshape", "Unsqueeze", "Squeeze", "Flatten", "Identity" };

    /// <summary>
    /// For each graph input that (possibly through Cast/Reshape/Unsqueeze) indexes axis 0 of an initializer with
    /// Gather (or a table of a fused EmbedLayerNormalization), the initializer's first dim: token ids must stay
    /// below the embedding table's row count.
    /// </summary>
    public static IReadOnlyDictionary<string, long> EmbeddingUpperBounds(Model model)
    {
        var bounds = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var input in model.Graph.Inputs)
        {
            if (input.IsInitializer) continue;
            long? rows = FindTableRows(input, depth: 0);
            if (rows is { } r) bounds[input.Name] = r;
        }
        return bounds;
    }

    private static long? FindTableRows(Value value, int depth)
    {
        long? best = null;
        foreach (var use in value.Uses)
        {
            var node = use.Node;
            long? rows = null;
            if (node.Is("Gather") && use.InputIndex == 1 && node.GetInt("axis", 0) == 0
                && node.Input(0)?.Initializer is { Rank: >= 1 } table)
            {
                rows = table.Dims[0];
            }
            else if (node.Is("EmbedLayerNormalization", "com.microsoft") && EmbedTableOf(use.InputIndex) is { } tableAt
                && node.Input(tableAt)?.Initializer is { Rank: >= 1 } embedding)
            {
                // -O2 fuses BERT's embedding Gathers into this op: ids index its word/segment/position tables.
                rows = embedding.Dims[0];
            }
            else if (depth < 4 && use.InputIndex == 0 && node.Domain.Length == 0 && PassThrough.Contains(node.OpType))
            {
                rows = FindTableRows(node.Output(), depth + 1);
            }
            // Several tables: the smallest keeps every lookup in range.
            if (rows is { } found) best = best is { } b ? Math.Min(b, found) : found;
        }
        return best;
    }

    /// <summary>com.microsoft.EmbedLayerNormalization: input_ids (0) → word_embedding (2), segment_ids (1) → segment_embedding (4), position_ids (8) → position_embedding (3).</summary>
    private static int? EmbedTableOf(int inputIndex) => inputIndex switch { 0 => 2, 1 => 4, 8 => 3, _ => null };
}

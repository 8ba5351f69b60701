using Onnxc.Ir;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// BERT's embeddings: LayerNormalization(word[input_ids] + position[0..S) + segment[token_type_ids]), with the
/// Gathers' tables and the matched nodes (root first).
/// </summary>
public sealed record EmbedLayerNormMatch(
    Node LayerNorm, Value InputIds, Value WordTable, Value SegmentIds, Value SegmentTable, Value PositionTable, IReadOnlyList<Node> Nodes);

using Onnxc.Ir;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// A decomposed rotate-half rotary embedding on a [B, H, S, D] head tensor: x·cos + cat(−x[..., D/2:], x[..., :D/2])·sin,
/// with cos/sin from <paramref name="Caches"/> (gathered from constant caches or computed at run time).
/// </summary>
public sealed record RotaryMatch(Node Root, Value Input, RotaryCaches Caches, long Heads, long HeadSize, IReadOnlyList<Node> Nodes);

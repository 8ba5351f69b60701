using Onnxc.Ir;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// A decomposed rotate-half rotary embedding on a [B, H, S, D] head tensor: x·cos + cat(−x[..., D/2:], x[..., :D/2])·sin,
/// with cos/sin gathered from [max_positions, D] caches at positions 0..S−1 (<paramref name="Positions"/> null) or at
/// explicit position ids [B, S].
/// </summary>
public sealed record RotaryMatch(Node Root, Value Input, Tensor CosTable, Tensor SinTable, Value? Positions, long Heads, long HeadSize, IReadOnlyList<Node> Nodes);

using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>How the exporter modified the scaled scores before Softmax.</summary>
public abstract record ScoreMask
{
    /// <summary>No mask (ViT).</summary>
    public sealed record None : ScoreMask;

    /// <summary>Scores + a float mask broadcast over heads and queries (BERT's (1 - mask)·-10000).</summary>
    public sealed record Additive(Value Mask, Node Add) : ScoreMask;

    /// <summary>Where(tril[:S,:S] == 0, fill, scores): causal attention, ORT's unidirectional=1.</summary>
    public sealed record Causal(IReadOnlyList<Node> Nodes) : ScoreMask;
}

/// <summary>
/// Everything a self-attention fusion needs: the q/k/v head tensors, the scale, the mask, and the nodes from the
/// projections to the head merge Reshape (the rule's root).
/// </summary>
public sealed record SelfAttentionMatch(
    Node MergeReshape, HeadTensor Query, HeadTensor Key, HeadTensor Value, double Scale, ScoreMask Mask, IReadOnlyList<Node> CoreNodes)
{
    public Value Input => Query.Projection.Input;

    public long Heads => Query.Heads;

    public long Hidden => Query.Width;

    /// <summary>Whether q or k (or v) is rotated by a RotaryEmbedding, which the packed Attention op cannot express.</summary>
    public bool HasRotary => Query.Rotary is not null || Key.Rotary is not null || Value.Rotary is not null;

    /// <summary>Every matched node, for removal once nothing reads it.</summary>
    public IEnumerable<Node> AllNodes => CoreNodes.Concat(Query.Nodes).Concat(Key.Nodes).Concat(Value.Nodes)
        .Concat(Mask is ScoreMask.Causal c ? c.Nodes : Array.Empty<Node>());
}

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

    /// <summary>
    /// Causal attention, ORT's unidirectional=1: Where(tril[:S,:S] == 0, fill, scores) (nanoGPT) or
    /// Where(tril[P:P+S, :P+S], scores, fill) (HuggingFace, P the past length), then optionally + a padding mask.
    /// <see cref="Scores"/> is the Where's scores operand; <see cref="Slices"/> the Slice nodes that cut the buffer.
    /// </summary>
    public sealed record Causal(IReadOnlyList<Node> Nodes, IReadOnlyList<Node> Slices, Value Scores, double Fill, Additive? Padding = null) : ScoreMask;

    /// <summary>
    /// A padding mask applied by masked_fill (DistilBERT): Where(mask, fill, scores) with fill −inf or at most −1e30,
    /// which in float32 is scores + Where(mask, fill, 0), since scores + fill rounds to fill. <see cref="Condition"/>
    /// is the bool mask before its expand_as(scores); the fusion emits the additive mask from it.
    /// </summary>
    public sealed record Filled(IReadOnlyList<Node> Nodes, Value Condition, double Fill) : ScoreMask;
}

/// <summary>
/// Everything a self-attention fusion needs: the q/k/v head tensors, the scale, the mask, and the nodes from the
/// projections to the head merge Reshape (the rule's root). <see cref="ScoresProduct"/> is MatMul(q, kᵀ) and
/// <see cref="ContextProduct"/> MatMul(probs, v).
/// </summary>
public sealed record SelfAttentionMatch(
    Node MergeReshape, HeadTensor Query, HeadTensor Key, HeadTensor Value, double Scale, ScoreMask Mask, IReadOnlyList<Node> CoreNodes,
    Node ScoresProduct, Node ContextProduct)
{
    public Value Input => Query.Projection.Input;

    public long Heads => Query.Heads;

    public long Hidden => Query.Width;

    /// <summary>Values whose dim 2 is the query length S: the query heads [B, H, S, D].</summary>
    public IReadOnlyList<Value> QueryLengthOwners => new[] { ScoresProduct.Input(0)! };

    /// <summary>
    /// Values whose dim 2 is the key length T (P + S with a past, else S): the keys before their last transpose and
    /// the values, as [B, H, T, D] (a Transpose(0,2,3,1) key has no such tensor).
    /// </summary>
    public IReadOnlyList<Value> KeyLengthOwners =>
        new[] { ContextProduct.Input(1)!, Patterns.Producer(ScoresProduct.Input(1), "Transpose") is { } t && HeadTensor.Perm(t, 0, 1, 3, 2) ? t.Input(0)! : ContextProduct.Input(1)! };

    /// <summary>Whether the keys and values are concatenated to cached ones (GPT-2 with past_key_values).</summary>
    public bool HasPast => Key.Past is not null || Value.Past is not null;

    /// <summary>Whether q or k (or v) is rotated by a RotaryEmbedding, which the packed Attention op cannot express.</summary>
    public bool HasRotary => Query.Rotary is not null || Key.Rotary is not null || Value.Rotary is not null;

    /// <summary>Every matched node, for removal once nothing reads it.</summary>
    public IEnumerable<Node> AllNodes => CoreNodes.Concat(Query.Nodes).Concat(Key.Nodes).Concat(Value.Nodes)
        .Concat(Mask switch
        {
            ScoreMask.Causal c => c.Nodes.Concat(c.Padding is { } p ? new[] { p.Add } : Array.Empty<Node>()),
            ScoreMask.Filled f => f.Nodes,
            _ => Array.Empty<Node>(),
        });
}

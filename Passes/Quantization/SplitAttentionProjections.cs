using Onnxc.Ir;
using Onnxc.Passes.Fusion.Attention;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Quantization;

/// <summary>
/// Turns com.microsoft Attention with constant packed weights back into three MatMul projections (Q, K, V) feeding
/// com.microsoft MultiHeadAttention, which takes projected inputs. Lossless; it exists so that passes that rewrite
/// MatMul weights (weight-only quantization) reach the Q/K/V projections, which -O2's Attention fusion packs into
/// an operator input no MatMul-level pass can see: in BERT-base they are a quarter of the encoder's weights.
/// </summary>
public sealed class SplitAttentionProjections : IPass
{
    /// <summary>Attention attributes MultiHeadAttention expresses the same way; anything else stays packed.</summary>
    private static readonly HashSet<string> CarriedAttributes = ["num_heads", "scale", "unidirectional", "mask_filter_value"];

    private readonly Func<Node, bool> _include;

    /// <param name="include">Which Attention nodes to split (e.g. not those a user excluded by name); all when null.</param>
    public SplitAttentionProjections(Func<Node, bool>? include = null) => _include = include ?? (_ => true);

    public string Name => "split-attention-projections";

    public string Description => "unpack com.microsoft Attention's constant QKV weights into MatMuls + MultiHeadAttention (so they can be quantized)";

    public PassResult Run(Model model, PassContext context)
    {
        int split = 0;
        foreach (var node in model.Graph.Nodes.Where(n => n.Is("Attention", AttentionBuilder.MicrosoftDomain)).ToList())
        {
            if (Refusal(node) is { } reason)
            {
                context.Record(Name, node, false, reason);
                continue;
            }
            if (!_include(node)) continue;
            Split(model, node);
            context.Record(Name, node, true, "Q/K/V MatMuls + MultiHeadAttention");
            split++;
        }
        return PassResult.Of(("split-attention", split));
    }

    /// <summary>Why <paramref name="node"/> cannot be expressed as MatMuls + MultiHeadAttention, or null.</summary>
    internal static string? Refusal(Node node)
    {
        if (node.Input(1) is not { Initializer: { ElementType: DataType.Float, Rank: 2 } weights }) return "the QKV weight is not a constant float matrix";
        if (node.Input(2) is { } bias && bias.Initializer is not { ElementType: DataType.Float, Rank: 1 }) return "the QKV bias is not a constant float vector";
        if (node.Input(3) is not null) return "mask_index has no MultiHeadAttention equivalent here";
        if (node.Input(4) is not null || node.Outputs.Count > 1) return "past/present state";
        if (node.Attributes.FirstOrDefault(a => !CarriedAttributes.Contains(a.Name)) is { } other) return $"attribute {other.Name}";
        long packed = weights.Dims[1];
        long heads = node.GetInt("num_heads", 0);
        if (packed % 3 != 0 || heads <= 0 || packed / 3 % heads != 0) return $"QKV width {packed} does not split into 3 × {heads} heads";
        return null;
    }

    private static void Split(Model model, Node attention)
    {
        var rewriter = new Rewriter(model, model.Graph, attention);
        var input = attention.Input(0)!;
        var weights = attention.Input(1)!;
        var w = weights.Initializer!.ToArray<float>();
        long inFeatures = weights.Initializer.Dims[0], packed = weights.Initializer.Dims[1], hidden = packed / 3;
        string hint = (attention.Name is { Length: > 0 } name ? name : "attention").Replace('/', '_');
        var projections = new Value[3];
        string[] parts = ["q", "k", "v"];
        for (int p = 0; p < 3; p++)
        {
            var slice = new float[inFeatures * hidden];
            for (long r = 0; r < inFeatures; r++) Array.Copy(w, r * packed + p * hidden, slice, r * hidden, hidden);
            var projection = rewriter.Constant($"{hint}_{parts[p]}_weight", Tensor.FromArray(slice, inFeatures, hidden));
            projections[p] = rewriter.Add("MatMul", [input, projection], name: $"{hint}_{parts[p]}_proj").Output(0);
        }
        // MultiHeadAttention: query, key, value, bias [3·hidden] (the packed bias as it is), key_padding_mask, attention_bias.
        var inputs = new List<Value?> { projections[0], projections[1], projections[2], attention.Input(2) };
        if (attention.Input(5) is { } attentionBias) inputs.AddRange([null, attentionBias]);
        var mha = rewriter.Add("MultiHeadAttention", inputs, domain: AttentionBuilder.MicrosoftDomain,
            attributes: attention.Attributes.ToList(), name: hint + "_MultiHeadAttention");
        mha.Output(0).Type = attention.Output(0).Type;
        rewriter.Replace(attention.Output(0), mha.Output(0));
        model.Graph.Remove(attention);
        if (weights is { Uses.Count: 0, IsGraphOutput: false }) model.Graph.RemoveInitializer(weights);
    }
}

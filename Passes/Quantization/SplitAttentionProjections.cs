using Onnxc.Ir;
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
    private readonly Func<Node, bool> _include;

    /// <param name="include">Which Attention nodes to split (e.g. not those a user excluded by name); all when null.</param>
    public SplitAttentionProjections(Func<Node, bool>? include = null) => _include = include ?? (_ => true);

    public string Name => "split-attention-projections";

    public string Description => "unpack com.microsoft Attention's constant QKV weights into MatMuls + MultiHeadAttention (so they can be quantized)";

    public PassResult Run(Model model, PassContext context)
    {
        int split = 0;
        foreach (var node in model.Graph.Nodes.Where(n => n.Is("Attention", FusedAttention.Domain)).ToList())
        {
            var found = FusedAttention.Find(node);
            if ((found.Value is { } attention ? Refusal(attention) : found.Reason) is { } reason)
            {
                context.Record(Name, node, false, reason);
                continue;
            }
            if (!_include(node)) continue;
            Split(model, found.Value!);
            context.Record(Name, node, true, "Q/K/V MatMuls + MultiHeadAttention");
            split++;
        }
        return PassResult.Of(("split-attention", split));
    }

    /// <summary>What MultiHeadAttention cannot express of an attention <see cref="FusedAttention.Find"/> accepted, or null.</summary>
    private static string? Refusal(FusedAttention attention)
    {
        if (attention.MaskIndex is not null) return "mask_index has no MultiHeadAttention equivalent here";
        long heads = attention.Attention.GetInt("num_heads", 0);
        if (attention.Columns % 3 != 0 || heads <= 0 || attention.Columns / 3 % heads != 0) return $"QKV width {attention.Columns} does not split into 3 × {heads} heads";
        return null;
    }

    private static void Split(Model model, FusedAttention a)
    {
        var rewriter = new Rewriter(model, model.Graph, a.Attention);
        var w = a.WeightTensor.AsSpan<float>();
        int inFeatures = a.Rows, packed = a.Columns, hidden = packed / 3;
        string hint = a.Id.Replace('/', '_');
        var projections = new Value[3];
        string[] parts = ["q", "k", "v"];
        for (int p = 0; p < 3; p++)
        {
            var slice = new float[(long)inFeatures * hidden];
            for (int r = 0; r < inFeatures; r++) w.Slice(r * packed + p * hidden, hidden).CopyTo(slice.AsSpan(r * hidden, hidden));
            var projection = rewriter.Constant($"{hint}_{parts[p]}_weight", Tensor.FromArray(slice, inFeatures, hidden));
            projections[p] = rewriter.Add("MatMul", [a.Input, projection], name: $"{hint}_{parts[p]}_proj").Output(0);
        }
        // MultiHeadAttention: query, key, value, bias [3·hidden] (the packed bias as it is), key_padding_mask, attention_bias.
        var inputs = new List<Value?> { projections[0], projections[1], projections[2], a.Bias };
        if (a.AttentionBias is not null) inputs.AddRange([null, a.AttentionBias]);
        var mha = rewriter.Add("MultiHeadAttention", inputs, domain: FusedAttention.Domain, attributes: a.CarriedAttributes(), name: hint + "_MultiHeadAttention");
        mha.Output(0).Type = a.Attention.Output(0).Type;
        rewriter.Replace(a.Attention.Output(0), mha.Output(0));
        model.Graph.Remove(a.Attention);
        if (a.Weight is { Uses.Count: 0, IsGraphOutput: false, IsInitializer: true }) model.Graph.RemoveInitializer(a.Weight);
    }
}

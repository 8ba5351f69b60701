using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>
/// BERT as HuggingFace BertModel exports at opset 14: word + position (sliced position_ids buffer) + token-type
/// embeddings, an additive mask from attention_mask, post-LN layers with separate Q/K/V, erf GELU, a Gemm+Tanh pooler.
/// </summary>
public static class BertBuilder
{
    /// <summary>Builds the model: inputs input_ids, attention_mask, token_type_ids (int64 [batch, sequence]); outputs last_hidden_state, pooler_output.</summary>
    /// <param name="sdpa">
    /// Attention as HF's BertSdpaSelfAttention exports (transformers ≥ 4.41, torch.onnx's scaled_dot_product_attention
    /// at opset 14): q·√s and kᵀ·√s before the product, and the mask of _prepare_4d_attention_mask_for_sdpa,
    /// attention_mask expanded to [batch, 1, sequence, sequence], inverted and masked_fill'ed with float.MinValue.
    /// </param>
    /// <param name="maskedFill">
    /// Attention as DistilBERT writes it: the query divided by √d before the product, and the padding applied by
    /// <c>scores.masked_fill((mask == 0).view(B, 1, 1, T).expand_as(scores), finfo.min)</c> in every layer.
    /// </param>
    public static Model Build(BertConfig config, int seed = 0, int opset = SampleOpsets.Default, bool sdpa = false, bool maskedFill = false)
    {
        SampleOpsets.Require(!(sdpa && maskedFill), "a BERT sample is built either the SDPA way or the masked_fill way, not both");
        config.Validate();
        SampleOpsets.Validate(opset);
        var graph = new Graph("bert");
        var e = new GraphEmitter(graph, opset, new WeightFactory(graph, seed));
        var tokens = SampleOpsets.Tensor(DataType.Int64, "batch", "sequence");
        var ids = graph.AddInput(new Value("input_ids", tokens));
        var mask = graph.AddInput(new Value("attention_mask", tokens));
        var tokenTypes = graph.AddInput(new Value("token_type_ids", tokens));

        Value hidden;
        using (e.Scope("embeddings")) hidden = Embeddings(e, config, ids, tokenTypes);
        // What the layers apply to the scores: the additive mask, or (masked_fill) the attention_mask itself.
        var layerMask = maskedFill ? mask : sdpa ? SdpaMask(e, mask) : AdditiveMask(e, mask);
        using (e.Scope("encoder"))
        {
            for (int i = 0; i < config.Layers; i++)
            {
                using (e.Scope($"layer.{i}")) hidden = Layer(e, config, hidden, layerMask, sdpa, maskedFill);
            }
        }
        Value pooled;
        using (e.Scope("pooler"))
        {
            var first = e.Op("Gather", hidden, e.ConstScalar(0), Attribute.Int("axis", 1));
            using (e.Scope("dense")) pooled = e.Op("Tanh", e.Gemm(first, config.Hidden, config.Hidden));
        }
        e.MarkOutput(hidden, "last_hidden_state", SampleOpsets.Tensor(DataType.Float, "batch", "sequence", config.Hidden));
        e.MarkOutput(pooled, "pooler_output", SampleOpsets.Tensor(DataType.Float, "batch", config.Hidden));
        return SampleOpsets.CreateModel(graph, opset);
    }

    private static Value Embeddings(GraphEmitter e, BertConfig c, Value ids, Value tokenTypes)
    {
        var p = e.ParameterPrefix;
        var words = e.Weights.Normal(p + "word_embeddings.weight", 0f, WeightFactory.InitStd, c.VocabSize, c.Hidden);
        var positions = e.Weights.Normal(p + "position_embeddings.weight", 0f, WeightFactory.InitStd, c.MaxPositions, c.Hidden);
        var types = e.Weights.Normal(p + "token_type_embeddings.weight", 0f, WeightFactory.InitStd, c.TypeVocabSize, c.Hidden);
        var positionIds = e.Weights.Int64(p + "position_ids", Enumerable.Range(0, c.MaxPositions).Select(i => (long)i).ToArray(), 1, c.MaxPositions);

        var inputEmbeds = e.Op("Gather", words, ids, Attribute.Int("axis", 0));
        // position_ids[:, 0:seq_len]: the buffer sliced to the input's length.
        var sequence = e.Dim(ids, 1);
        var slicedIds = e.Op("Slice", new[] { positionIds, e.ConstInts(0), e.Unsqueeze(sequence, 0), e.ConstInts(1), e.ConstInts(1) });
        var typeEmbeds = e.Op("Gather", types, tokenTypes, Attribute.Int("axis", 0));
        var sum = e.Op("Add", inputEmbeds, typeEmbeds);
        sum = e.Op("Add", sum, e.Op("Gather", positions, slicedIds, Attribute.Int("axis", 0)));
        using (e.Scope("LayerNorm")) return e.LayerNorm(sum, c.Hidden, c.LayerNormEps);
    }

    /// <summary>attention_mask[:, None, None, :] → float → (1 − m)·(−10000), broadcast over heads and query positions.</summary>
    private static Value AdditiveMask(GraphEmitter e, Value mask)
    {
        var expanded = e.Unsqueeze(e.Unsqueeze(mask, 1), 2);
        var asFloat = e.Op("Cast", expanded, Attribute.Int("to", (long)DataType.Float));
        return e.Op("Mul", e.Op("Sub", e.Const(1f), asFloat), e.Const(-10000f));
    }

    /// <summary>
    /// _expand_mask for SDPA: m[:, None, None, :].expand(B, 1, S, S) → float → 1 − m, then masked_fill(1 − m != 0,
    /// float.MinValue), which torch exports as Where.
    /// </summary>
    private static Value SdpaMask(GraphEmitter e, Value mask)
    {
        var unsqueezed = e.Unsqueeze(e.Unsqueeze(mask, 1), 2);
        var batch = e.Unsqueeze(e.Dim(mask, 0), 0);
        var sequence = e.Unsqueeze(e.Dim(mask, 1), 0);
        var target = e.Op("Concat", new[] { batch, e.ConstInts(1), sequence, sequence }, Attribute.Int("axis", 0));
        var expanded = e.Op("Cast", e.Op("Expand", unsqueezed, target), Attribute.Int("to", (long)DataType.Float));
        var inverted = e.Op("Sub", e.Const(1f), expanded);
        var masked = e.Op("Cast", inverted, Attribute.Int("to", (long)DataType.Bool));
        return e.Op("Where", new[] { masked, e.Const(float.MinValue), inverted });
    }

    private static Value Layer(GraphEmitter e, BertConfig c, Value x, Value mask, bool sdpa, bool maskedFill)
    {
        Value attentionOut;
        using (e.Scope("attention"))
        {
            Value context;
            using (e.Scope("self"))
            {
                context = maskedFill ? MaskedFillSelfAttention(e, c, x, mask)
                    : sdpa ? SdpaSelfAttention(e, c, x, mask) : SelfAttention(e, c, x, mask);
            }
            using (e.Scope("output"))
            {
                Value dense;
                using (e.Scope("dense")) dense = e.Linear(context, c.Hidden, c.Hidden);
                var residual = e.Op("Add", dense, x);
                using (e.Scope("LayerNorm")) attentionOut = e.LayerNorm(residual, c.Hidden, c.LayerNormEps);
            }
        }
        Value intermediate;
        using (e.Scope("intermediate"))
        {
            using (e.Scope("dense")) intermediate = e.Linear(attentionOut, c.Hidden, c.Intermediate);
            intermediate = e.GeluErf(intermediate);
        }
        using (e.Scope("output"))
        {
            Value dense;
            using (e.Scope("dense")) dense = e.Linear(intermediate, c.Intermediate, c.Hidden);
            var residual = e.Op("Add", dense, attentionOut);
            using (e.Scope("LayerNorm")) return e.LayerNorm(residual, c.Hidden, c.LayerNormEps);
        }
    }

    private static (Value Query, Value Key, Value Value) ProjectQueryKeyValue(GraphEmitter e, BertConfig c, Value x)
    {
        Value q, k, v;
        using (e.Scope("query")) q = e.Linear(x, c.Hidden, c.Hidden);
        using (e.Scope("key")) k = e.Linear(x, c.Hidden, c.Hidden);
        using (e.Scope("value")) v = e.Linear(x, c.Hidden, c.Hidden);
        return (q, k, v);
    }

    private static Value SelfAttention(GraphEmitter e, BertConfig c, Value x, Value additiveMask)
    {
        var (q, k, v) = ProjectQueryKeyValue(e, c, x);
        var keys = e.SplitHeads(k, c.Heads, c.HeadSize, 0, 2, 3, 1);
        var values = e.SplitHeads(v, c.Heads, c.HeadSize, 0, 2, 1, 3);
        var queries = e.SplitHeads(q, c.Heads, c.HeadSize, 0, 2, 1, 3);
        var scores = e.Op("Div", e.Op("MatMul", queries, keys), e.Const(MathF.Sqrt(c.HeadSize)));
        scores = e.Op("Add", scores, additiveMask);
        var probabilities = e.Op("Softmax", scores, Attribute.Int("axis", -1));
        return e.MergeHeads(e.Op("MatMul", probabilities, values), c.Hidden);
    }

    /// <summary>DistilBERT: Softmax(masked_fill((q / √d)·kᵀ, (mask == 0).view(B, 1, 1, T).expand_as(scores), min))·v.</summary>
    private static Value MaskedFillSelfAttention(GraphEmitter e, BertConfig c, Value x, Value attentionMask)
    {
        var (q, k, v) = ProjectQueryKeyValue(e, c, x);
        var queries = e.Op("Div", e.SplitHeads(q, c.Heads, c.HeadSize, 0, 2, 1, 3), e.Const(MathF.Sqrt(c.HeadSize)));
        var keys = e.SplitHeads(k, c.Heads, c.HeadSize, 0, 2, 3, 1);
        var values = e.SplitHeads(v, c.Heads, c.HeadSize, 0, 2, 1, 3);
        var scores = e.Op("MatMul", queries, keys);
        var padding = e.Op("Equal", attentionMask, e.ConstScalar(0));
        var viewed = e.Op("Reshape", padding, e.ShapeOf(e.Dim(x, 0), 1L, 1L, e.Dim(x, 1)));
        var expanded = e.Op("Expand", viewed, e.Op("Shape", scores));
        var filled = e.Op("Where", new[] { expanded, e.Const(float.MinValue), scores });
        var probabilities = e.Op("Softmax", filled, Attribute.Int("axis", -1));
        return e.MergeHeads(e.Op("MatMul", probabilities, values), c.Hidden);
    }

    /// <summary>torch.onnx's scaled_dot_product_attention: Softmax((q·√s)(kᵀ·√s) + mask)·v with s = 1/√d.</summary>
    private static Value SdpaSelfAttention(GraphEmitter e, BertConfig c, Value x, Value additiveMask)
    {
        var (q, k, v) = ProjectQueryKeyValue(e, c, x);
        var queries = e.SplitHeads(q, c.Heads, c.HeadSize, 0, 2, 1, 3);
        var keys = e.Op("Transpose", e.SplitHeads(k, c.Heads, c.HeadSize, 0, 2, 1, 3), Attribute.Ints("perm", 0, 1, 3, 2));
        var values = e.SplitHeads(v, c.Heads, c.HeadSize, 0, 2, 1, 3);
        var sqrtScale = e.Const(MathF.Sqrt(1f / MathF.Sqrt(c.HeadSize)));
        var scores = e.Op("MatMul", e.Op("Mul", queries, sqrtScale), e.Op("Mul", keys, sqrtScale));
        var probabilities = e.Op("Softmax", e.Op("Add", scores, additiveMask), Attribute.Int("axis", -1));
        return e.MergeHeads(e.Op("MatMul", probabilities, values), c.Hidden);
    }
}

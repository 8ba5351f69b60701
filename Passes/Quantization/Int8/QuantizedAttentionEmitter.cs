using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>
/// Int8 replacements of a fused Attention's Q/K/V projection, in the two forms ORT's CPU provider runs:
/// com.microsoft QAttention (input quantized to uint8 at run time, int8 packed weight) when the mask, if any, is a
/// mask_index; DynamicQuantizeMatMul for the packed projection, split into Q, K, V, feeding MultiHeadAttention when
/// the mask is an additive attention_bias (which QAttention has no input for).
/// </summary>
public static class QuantizedAttentionEmitter
{
    /// <summary>DynamicQuantizeLinear, which QAttention's input needs, is a default-domain op from opset 11.</summary>
    private const long DynamicQuantizeLinearOpset = 11;

    /// <summary>Why the attention cannot be emitted in either form in a model of default-domain <paramref name="opset"/>, or null.</summary>
    public static string? Check(FusedAttention attention, long opset)
    {
        if (attention.Columns % 3 != 0) return $"the packed weight has {attention.Columns} columns, not 3 equal parts";
        if (attention.AttentionBias is not null && attention.Attention.GetInt("unidirectional", 0) != 0) return "causal attention with an attention_bias is left fp32";
        if (!UsesQAttention(attention, opset) && attention.MaskIndex is not null)
        {
            return $"a mask_index needs QAttention, whose input quantization (DynamicQuantizeLinear) needs opset {DynamicQuantizeLinearOpset}; the model is opset {opset}";
        }
        return null;
    }

    public static Node Emit(FusedAttention attention, QuantizedWeightValues weight, Rewriter rewriter) =>
        UsesQAttention(attention, rewriter.Opset) ? EmitQAttention(attention, weight, rewriter) : EmitProjectionAndMultiHead(attention, weight, rewriter);

    /// <summary>
    /// QAttention unless the mask is an additive attention_bias (it has no input for one) or the model predates
    /// DynamicQuantizeLinear (e.g. Paddle2ONNX's opset 9): then the int8 projection feeds MultiHeadAttention.
    /// </summary>
    private static bool UsesQAttention(FusedAttention attention, long opset) => attention.AttentionBias is null && opset >= DynamicQuantizeLinearOpset;

    /// <summary>DynamicQuantizeLinear(input) → QAttention(input_u8, weight_s8, bias, input_scale, weight_scale, mask_index, input_zp, weight_zp).</summary>
    private static Node EmitQAttention(FusedAttention a, QuantizedWeightValues weight, Rewriter rewriter)
    {
        var quantize = rewriter.Add("DynamicQuantizeLinear", new[] { a.Input }, outputCount: 3, name: a.Id + "_quantize_input");
        // QAttention's bias is required; a bias-free projection gets zeros.
        var bias = a.Bias ?? rewriter.Constant(a.Weight.Name + "_zero_bias", Tensor.FromArray(new float[a.Columns], a.Columns));
        var inputs = new[] { quantize.Output(0), weight.Values, bias, quantize.Output(1), weight.Scales, a.MaskIndex, quantize.Output(2), weight.ZeroPoints };
        var node = rewriter.Add("QAttention", inputs, domain: FusedAttention.Domain, attributes: a.CarriedAttributes(), name: a.Id + "_int8");
        return Finish(a, node, rewriter);
    }

    /// <summary>DynamicQuantizeMatMul(input, weight_s8, scale, zp, bias) → Split in three → MultiHeadAttention(q, k, v, attention_bias).</summary>
    private static Node EmitProjectionAndMultiHead(FusedAttention a, QuantizedWeightValues weight, Rewriter rewriter)
    {
        var projection = rewriter.Add("DynamicQuantizeMatMul", new[] { a.Input, weight.Values, weight.Scales, weight.ZeroPoints, a.Bias },
            domain: FusedAttention.Domain, name: a.Id + "_qkv_int8");
        long hidden = a.Columns / 3;
        // Split's sizes are an input from opset 13 on, an attribute before.
        Node split = rewriter.Opset >= 13
            ? rewriter.Add("Split", new[] { projection.Output(), rewriter.Constant(a.Id + "_qkv_sizes", Tensor.Vector(hidden, hidden, hidden)) },
                outputCount: 3, attributes: new[] { Attribute.Int("axis", -1) }, name: a.Id + "_qkv_split")
            : rewriter.Add("Split", new[] { projection.Output() }, outputCount: 3,
                attributes: new[] { Attribute.Int("axis", -1), Attribute.Ints("split", hidden, hidden, hidden) }, name: a.Id + "_qkv_split");
        var inputs = new[] { split.Output(0), split.Output(1), split.Output(2), null, null, a.AttentionBias };
        var node = rewriter.Add("MultiHeadAttention", inputs, domain: FusedAttention.Domain, attributes: a.CarriedAttributes(), name: a.Id + "_MultiHeadAttention");
        return Finish(a, node, rewriter);
    }

    private static Node Finish(FusedAttention a, Node node, Rewriter rewriter)
    {
        node.Output().Type = a.Attention.Output().Type;
        rewriter.Replace(a.Attention.Output(), node.Output());
        rewriter.RemoveIfUnused(new[] { a.Attention });
        return node;
    }
}

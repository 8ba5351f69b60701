using Onnxc.Ir;
using Onnxc.Passes.Quantization.Int8;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Quantization;

/// <summary>
/// A com.microsoft Attention whose packed Q/K/V weight [in, 3·hidden] is a constant f32 matrix: the one projection
/// of a fused self-attention, which int8 can quantize like a linear layer and weight-only quantization reaches by
/// unpacking it (<see cref="SplitAttentionProjections"/>).
/// </summary>
public sealed record FusedAttention(Node Attention, Value Input, Value Weight, Tensor WeightTensor, Value? Bias, Value? MaskIndex, Value? AttentionBias)
{
    public const string Domain = "com.microsoft";

    // Attention's inputs: input, weights, bias, mask_index, past, attention_bias, past_sequence_length.
    private const int MaskIndexInput = 3, PastInput = 4, AttentionBiasInput = 5;

    /// <summary>The name in reports and layer selections, as for <see cref="LinearLayer.Id"/>.</summary>
    public string Id => LinearLayer.LayerId(Attention);

    public int Rows => (int)WeightTensor.Dims[0];

    public int Columns => (int)WeightTensor.Dims[1];

    public long Parameters => WeightTensor.ElementCount;

    /// <summary>Attention attributes that mean the same on QAttention and MultiHeadAttention; <see cref="Find"/> refuses the rest that matter.</summary>
    private static readonly string[] PortableAttributes = ["num_heads", "unidirectional", "scale", "mask_filter_value"];

    /// <summary>The attention's attributes to carry to the QAttention / MultiHeadAttention that replaces it.</summary>
    public Attribute[] CarriedAttributes() => Attention.Attributes.Where(a => PortableAttributes.Contains(a.Name)).ToArray();

    public static Match<FusedAttention> Find(Node node)
    {
        if (!node.Is("Attention", Domain) || node.Input(0) is not { } input || node.Input(1) is not { } weight) return Match<FusedAttention>.None;
        if (Patterns.ConstantTensor(weight) is not { } tensor) return Match<FusedAttention>.Miss("the packed QKV weight is not a constant");
        if (tensor.ElementType != DataType.Float || tensor.Rank != 2) return Match<FusedAttention>.Miss($"the packed QKV weight is {tensor.ElementType.ShortName()} of rank {tensor.Rank}, not a f32 matrix");
        if (input.ElementType is { } type && type != DataType.Float) return Match<FusedAttention>.Miss($"the input is {type.ShortName()}, not f32");
        if (node.Input(PastInput) is not null || node.Inputs.Count > AttentionBiasInput + 1 || node.Outputs.Count > 1 && node.Output(1).Uses.Count > 0)
        {
            return Match<FusedAttention>.Miss("attention with a past/present state is left fp32");
        }
        if (node.GetInts("qkv_hidden_sizes") is { } sizes && sizes.Distinct().Count() > 1) return Match<FusedAttention>.Miss("Q, K and V have different widths (qkv_hidden_sizes)");
        if (node.GetInt("do_rotary", 0) != 0) return Match<FusedAttention>.Miss("rotary attention (do_rotary) is left fp32");
        var bias = node.Input(2);
        if (bias is not null && Patterns.ConstantTensor(bias) is not { ElementType: DataType.Float, Rank: 1 }) return Match<FusedAttention>.Miss("the QKV bias is not a constant f32 vector");
        var maskIndex = node.Input(MaskIndexInput);
        var attentionBias = node.Input(AttentionBiasInput);
        if (maskIndex is not null && attentionBias is not null) return Match<FusedAttention>.Miss("attention with both mask_index and attention_bias is left fp32");
        return new FusedAttention(node, input, weight, tensor, bias, maskIndex, attentionBias);
    }
}

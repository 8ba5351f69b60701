using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>Builds the int8 replacements of a <see cref="LinearLayer"/>; every edit goes through the rewriter.</summary>
public static class Int8LinearEmitter
{
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>
    /// com.microsoft DynamicQuantizeMatMul(A, B int8, b_scale, b_zero_point, bias): ORT quantizes A to uint8 per call
    /// and runs an integer GEMM on the prepacked weight; per-column scales are supported by ORT's CPU kernel.
    /// </summary>
    public static Node EmitDynamicContrib(LinearLayer layer, QuantizedWeightValues weight, Rewriter rewriter)
    {
        var inputs = new List<Value?> { layer.Activation, weight.Values, weight.Scales, weight.ZeroPoints };
        Value replaced = layer.MatMul.Output();
        if (layer.BiasAdd is { } add)
        {
            inputs.Add(Patterns.OtherInput(add, replaced));
            replaced = add.Output();
        }
        var node = rewriter.Add("DynamicQuantizeMatMul", inputs, domain: MicrosoftDomain, name: layer.Id + "_int8");
        node.Output().Type = replaced.Type;
        rewriter.Replace(replaced, node.Output());
        rewriter.RemoveIfUnused(new[] { layer.BiasAdd, layer.MatMul }.OfType<Node>());
        return node;
    }

    /// <summary>
    /// The same computation in standard ONNX (opset 11+): DynamicQuantizeLinear → MatMulInteger → Cast → Mul by
    /// a_scale·b_scale. Runs anywhere; ORT's MatMulIntegerToFloat fusion turns it back into the contrib kernel.
    /// </summary>
    public static Node EmitDynamicStandard(LinearLayer layer, QuantizedWeightValues weight, Rewriter rewriter)
    {
        var quantize = rewriter.Add("DynamicQuantizeLinear", new[] { layer.Activation }, outputCount: 3, name: layer.Id + "_quantize_a");
        var integer = rewriter.Add("MatMulInteger", new[] { quantize.Output(0), weight.Values, quantize.Output(2), weight.ZeroPoints }, name: layer.Id + "_int8");
        var asFloat = rewriter.Add("Cast", new[] { integer.Output() }, attributes: new[] { Attribute.Int("to", (long)DataType.Float) }, name: layer.Id + "_to_float");
        var scale = rewriter.Add("Mul", new[] { quantize.Output(1), weight.Scales }, name: layer.Id + "_scale");
        var result = rewriter.Add("Mul", new[] { asFloat.Output(), scale.Output() }, name: layer.Id + "_rescale");
        result.Output().Type = layer.MatMul.Output().Type;
        rewriter.Replace(layer.MatMul.Output(), result.Output());
        rewriter.RemoveIfUnused(new[] { layer.MatMul });
        return result;
    }

    /// <summary>
    /// Static QDQ: QuantizeLinear/DequantizeLinear on the activation with calibrated uint8 parameters and a
    /// DequantizeLinear of the int8 weight (axis 1 when per column), around a float MatMul. ORT's QDQ selectors
    /// recognise DQ→MatMul and run an integer kernel; other runtimes see exact float semantics.
    /// </summary>
    public static Node EmitStaticQdq(LinearLayer layer, QuantizedWeightValues weight, Value dequantizedActivation, WeightGranularity granularity, Rewriter rewriter)
    {
        var axis = granularity == WeightGranularity.PerChannel ? new[] { Attribute.Int("axis", 1) } : null;
        var weightFloat = rewriter.Add("DequantizeLinear", new[] { weight.Values, weight.Scales, weight.ZeroPoints }, attributes: axis, name: layer.Id + "_dequantize_w");
        var product = rewriter.Add("MatMul", new[] { dequantizedActivation, weightFloat.Output() }, name: layer.MatMul.Name);
        product.Output().Type = layer.MatMul.Output().Type;
        rewriter.Replace(layer.MatMul.Output(), product.Output());
        rewriter.RemoveIfUnused(new[] { layer.MatMul });
        return product;
    }

    /// <summary>
    /// QuantizeLinear → DequantizeLinear of an activation with fixed uint8 parameters. One pair per activation is
    /// enough: ORT gives each consumer its own DequantizeLinear copy before fusing.
    /// </summary>
    public static Value EmitActivationQdq(Value activation, string nameHint, QuantParams parameters, Rewriter rewriter)
    {
        var scale = rewriter.Constant(activation.Name + "_scale", Tensor.Scalar(parameters.Scale));
        var zero = rewriter.Constant(activation.Name + "_zero_point", Tensor.Scalar((byte)parameters.ZeroPoint));
        var quantize = rewriter.Add("QuantizeLinear", new[] { activation, scale, zero }, name: nameHint + "_quantize");
        var dequantize = rewriter.Add("DequantizeLinear", new[] { quantize.Output(), scale, zero }, name: nameHint + "_dequantize");
        dequantize.Output().Type = activation.Type;
        return dequantize.Output();
    }
}

namespace Onnxc.Ir.Inference.Rules;

/// <summary>QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear (MatMulInteger lives with MatMul).</summary>
internal static class QuantizationRules
{
    public static void Register(OpRules rules)
    {
        rules.Add("QuantizeLinear", QuantizeLinear);
        rules.Add("DequantizeLinear", DequantizeLinear);
        rules.Add("DynamicQuantizeLinear", c =>
        {
            c.SetOutput(0, DataType.UInt8, c.InputShape(0));
            c.SetOutput(1, DataType.Float, Shape.Scalar);
            c.SetOutput(2, DataType.UInt8, Shape.Scalar);
        });
        // ONNX Runtime registers the same ops in its own domain with the same signatures.
        rules.Add("QuantizeLinear", QuantizeLinear, "com.microsoft");
        rules.Add("DequantizeLinear", DequantizeLinear, "com.microsoft");
    }

    private static void QuantizeLinear(InferenceContext c)
    {
        // output_dtype (opset 21) wins, then the zero point's type; without either the output is uint8.
        var type = c.Node.GetInt("output_dtype", 0) is var d and not 0 ? (DataType)d : c.InputElementType(2) ?? DataType.UInt8;
        c.SetOutput(0, type, c.InputShape(0));
    }

    private static void DequantizeLinear(InferenceContext c)
    {
        var type = c.Node.GetInt("output_dtype", 0) is var d and not 0 ? (DataType)d : c.InputElementType(1) ?? DataType.Float;
        c.SetOutput(0, type, c.InputShape(0));
    }
}

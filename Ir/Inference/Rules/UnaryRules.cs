namespace Onnxc.Ir.Inference.Rules;

/// <summary>Ops whose output has the input's shape: unary math, activations, Softmax family, Cast/CastLike, Dropout.</summary>
internal static class UnaryRules
{
    private static readonly string[] SameTypeAndShape =
    {
        "Identity", "Sqrt", "Erf", "Tanh", "Relu", "Sigmoid", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Floor", "Ceil",
        "Round", "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
        "Softplus", "Softsign", "Elu", "Selu", "Celu", "LeakyRelu", "HardSigmoid", "HardSwish", "Mish", "Gelu",
        "ThresholdedRelu", "Softmax", "LogSoftmax", "Hardmax", "Clip", "Shrink", "BitwiseNot", "LRN",
        "CumSum", "Trilu", "LpNormalization", "MeanVarianceNormalization", "InstanceNormalization",
        "GroupNormalization", "Swish",
    };

    public static void Register(OpRules rules)
    {
        rules.Add(SameTypeAndShape, c => c.SetOutputLike(0, 0, c.InputShape(0)));
        rules.Add("Not", c => c.SetOutput(0, DataType.Bool, c.InputShape(0)));
        rules.Add(new[] { "IsNaN", "IsInf" }, c => c.SetOutput(0, DataType.Bool, c.InputShape(0)));
        rules.Add("Cast", c => c.SetOutput(0, (DataType)c.Node.GetInt("to", 0), c.InputShape(0)));
        rules.Add("CastLike", c => c.SetOutput(0, c.InputElementType(1), c.InputShape(0)));
        rules.Add("Dropout", Dropout);
        rules.Add("BatchNormalization", BatchNormalization);
    }

    private static void Dropout(InferenceContext c)
    {
        c.SetOutputLike(0, 0, c.InputShape(0));
        // The mask became bool in opset 10; before, it had the data's type.
        if (c.OutputCount > 1) c.SetOutput(1, c.Opset >= 10 ? DataType.Bool : c.InputElementType(0), c.InputShape(0));
    }

    private static void BatchNormalization(InferenceContext c)
    {
        c.SetOutputLike(0, 0, c.InputShape(0));
        // Training-mode outputs (running mean/var, saved stats) are per channel.
        var channels = c.InputShape(0) is { Rank: >= 2 } x ? new Shape(new[] { x[1] }) : c.InputShape(1);
        for (int i = 1; i < c.OutputCount; i++) c.SetOutput(i, c.InputElementType(i <= 2 ? 3 : 0) ?? c.InputElementType(0), channels);
    }
}

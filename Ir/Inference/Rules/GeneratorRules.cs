namespace Onnxc.Ir.Inference.Rules;

/// <summary>Ops that make tensors from attributes or shapes: Constant, ConstantOfShape, Range, EyeLike, random *Like.</summary>
internal static class GeneratorRules
{
    public static void Register(OpRules rules)
    {
        rules.Add("Constant", Constant);
        rules.Add("ConstantOfShape", ConstantOfShape);
        rules.Add("Range", Range);
        rules.Add("EyeLike", c => c.SetOutput(0, c.Node.GetAttribute("dtype") is { } d ? (DataType)d.AsInt() : c.InputElementType(0), c.InputShape(0)));
        rules.Add(new[] { "RandomNormalLike", "RandomUniformLike" },
            c => c.SetOutput(0, c.Node.GetAttribute("dtype") is { } d ? (DataType)d.AsInt() : c.InputElementType(0), c.InputShape(0)));
    }

    private static void Constant(InferenceContext c)
    {
        foreach (var a in c.Node.Attributes)
        {
            TensorType? type = a.Name switch
            {
                "value" => a.AsTensor().Type,
                "sparse_value" when a.Value is SparseTensor s => new TensorType(s.Values.ElementType, Ir.Shape.Of(s.Dims.ToArray())),
                "value_float" => new TensorType(DataType.Float, Ir.Shape.Scalar),
                "value_int" => new TensorType(DataType.Int64, Ir.Shape.Scalar),
                "value_string" => new TensorType(DataType.String, Ir.Shape.Scalar),
                "value_floats" => new TensorType(DataType.Float, Ir.Shape.Of(a.AsFloats().Length)),
                "value_ints" => new TensorType(DataType.Int64, Ir.Shape.Of(a.AsInts().Length)),
                "value_strings" => new TensorType(DataType.String, Ir.Shape.Of(a.AsStrings().Length)),
                _ => null,
            };
            if (type is null) continue;
            c.SetOutput(0, type);
            return;
        }
        throw InferenceContext.Fail("Constant has no value attribute");
    }

    private static void ConstantOfShape(InferenceContext c)
    {
        // The fill value's type is the output's; without one the output is float zeros.
        var elementType = c.Node.GetAttribute("value") is { Kind: AttributeKind.Tensor } v ? v.AsTensor().ElementType : DataType.Float;
        c.SetOutput(0, elementType, ShapeRules.TargetShape(c, 0));
    }

    private static void Range(InferenceContext c)
    {
        var elementType = c.InputElementType(0) ?? c.InputElementType(1) ?? c.InputElementType(2);
        Dim length = Dim.Unknown;
        double? start = ConstantValues.TryGetScalarDouble(c.Node.Input(0)) ?? c.Constants.TryGetScalar(c.Node.Input(0));
        double? limit = ConstantValues.TryGetScalarDouble(c.Node.Input(1)) ?? c.Constants.TryGetScalar(c.Node.Input(1));
        double? delta = ConstantValues.TryGetScalarDouble(c.Node.Input(2)) ?? c.Constants.TryGetScalar(c.Node.Input(2));
        if (start is { } s && limit is { } l && delta is { } d)
        {
            if (d == 0) throw InferenceContext.Fail("Range delta is 0");
            length = (long)Math.Max(0, Math.Ceiling((l - s) / d));
        }
        // Range(start, limit, 1) over symbolic bounds has length limit − start: positions 0..S−1 from Shape(ids)[1]
        // keep 'sequence' named, and so do GPT-2's cached positions P..P+S−1 ((P + S) − P).
        else if (delta == 1 && c.ConstantDims(0) is [var first] && c.ConstantDims(1) is [var last] && DimMath.Subtract(last, first) is { IsStatic: false, Symbol: not null } n) length = n;
        c.SetOutput(0, elementType, new Shape(new[] { length }));
    }
}

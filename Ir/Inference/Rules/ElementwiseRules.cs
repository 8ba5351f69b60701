namespace Onnxc.Ir.Inference.Rules;

/// <summary>Broadcasting elementwise ops: arithmetic, comparisons, logic, Where, variadic Sum/Min/Max/Mean.</summary>
internal static class ElementwiseRules
{
    private static readonly string[] Arithmetic = { "Add", "Sub", "Mul", "Div", "Pow", "Mod", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor" };
    private static readonly string[] Comparisons = { "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor" };
    private static readonly string[] Variadic = { "Sum", "Min", "Max", "Mean" };

    public static void Register(OpRules rules)
    {
        rules.Add(Arithmetic, c => Broadcast(c, c.InputElementType(0), 0, 1));
        rules.Add(Comparisons, c => Broadcast(c, DataType.Bool, 0, 1));
        rules.Add(Variadic, c => Broadcast(c, c.InputElementType(0), Enumerable.Range(0, c.InputCount).ToArray()));
        rules.Add("Where", c => Broadcast(c, c.InputElementType(1) ?? c.InputElementType(2), 0, 1, 2));
        // PRelu broadcasts slope onto X (unidirectional), so the output is X's shape.
        rules.Add("PRelu", c => c.SetOutputLike(0, 0, c.InputShape(0)));
    }

    /// <summary>Output 0 gets the broadcast of the given inputs' shapes; before opset 7 the first input's shape.</summary>
    public static void Broadcast(InferenceContext c, DataType? elementType, params int[] inputs)
    {
        if (c.Node.Domain.Length == 0 && c.Opset < 7 && c.Node.OpType is not ("Where" or "Sum" or "Min" or "Max" or "Mean"))
        {
            // Legacy broadcast (attribute broadcast=1) only ever extends B onto A.
            c.SetOutput(0, elementType, c.InputShape(0));
            return;
        }
        var shapes = new List<Shape>();
        foreach (int i in inputs)
        {
            if (c.InputShape(i) is not { } shape)
            {
                c.SetOutput(0, elementType, null);
                return;
            }
            shapes.Add(shape);
        }
        c.SetOutput(0, elementType, shapes.Count == 0 ? null : DimMath.Broadcast(shapes));
    }
}

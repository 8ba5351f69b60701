namespace Onnxc.Ir.Inference.Rules;

/// <summary>If (outputs join both branches), Loop and Scan (bodies' formal inputs typed from the node's inputs).</summary>
internal static class ControlFlowRules
{
    public static void Register(OpRules rules)
    {
        rules.Add("If", If);
        rules.Add("Loop", Loop);
        rules.Add("Scan", Scan);
    }

    private static void If(InferenceContext c)
    {
        var thenBranch = c.Node.GetAttribute("then_branch")?.AsGraph();
        var elseBranch = c.Node.GetAttribute("else_branch")?.AsGraph();
        if (thenBranch is null || elseBranch is null) throw InferenceContext.Fail("If lacks a branch");
        c.InferSubgraph(thenBranch);
        c.InferSubgraph(elseBranch);
        if (thenBranch.Outputs.Count != c.OutputCount || elseBranch.Outputs.Count != c.OutputCount)
        {
            throw InferenceContext.Fail($"If has {c.OutputCount} outputs but branches yield {thenBranch.Outputs.Count} and {elseBranch.Outputs.Count}");
        }
        for (int i = 0; i < c.OutputCount; i++) c.SetOutput(i, TypeMerge.Join(thenBranch.Outputs[i].Type, elseBranch.Outputs[i].Type));
    }

    private static void Loop(InferenceContext c)
    {
        var body = c.Node.GetAttribute("body")?.AsGraph() ?? throw InferenceContext.Fail("Loop lacks a body");
        int carried = c.InputCount - 2;
        if (body.Inputs.Count != carried + 2) throw InferenceContext.Fail($"Loop body takes {body.Inputs.Count} inputs for {carried} loop-carried values");
        c.SetFormalInput(body.Inputs[0], new TensorType(DataType.Int64, Shape.Scalar));
        c.SetFormalInput(body.Inputs[1], new TensorType(DataType.Bool, Shape.Scalar));
        // Loop-carried values may change shape between iterations, so the body sees only their element type.
        for (int i = 0; i < carried; i++) c.SetFormalInput(body.Inputs[i + 2], WithoutShape(c.InputType(i + 2)));
        c.InferSubgraph(body);
        for (int i = 0; i < carried && i < c.OutputCount; i++)
        {
            var initial = c.InputType(i + 2);
            var last = body.Outputs.Count > i + 1 ? body.Outputs[i + 1].Type : null;
            c.SetOutput(i, last is null ? WithoutShape(initial) : TypeMerge.Join(initial, last) ?? WithoutShape(initial));
        }
        // Scan outputs stack one body output per iteration; the trip count is not known statically.
        for (int k = carried; k < c.OutputCount && k + 1 < body.Outputs.Count; k++)
        {
            if (body.Outputs[k + 1].Type is TensorType t)
            {
                c.SetOutput(k, new TensorType(t.ElementType, t.Shape is null ? null : new Shape(t.Shape.Prepend(Dim.Unknown))));
            }
        }
    }

    private static void Scan(InferenceContext c)
    {
        var body = c.Node.GetAttribute("body")?.AsGraph() ?? throw InferenceContext.Fail("Scan lacks a body");
        if (c.Opset < 9)
        {
            // Scan-8 has a batch axis and sequence_lens; only its body gets typed.
            c.InferSubgraph(body);
            return;
        }
        int scanInputs = (int)c.Node.GetInt("num_scan_inputs", 0);
        int states = c.InputCount - scanInputs;
        if (states < 0 || body.Inputs.Count != c.InputCount) throw InferenceContext.Fail($"Scan body takes {body.Inputs.Count} inputs for {c.InputCount} node inputs");
        var inputAxes = c.Node.GetInts("scan_input_axes") ?? new long[scanInputs];
        Dim sequence = Dim.Unknown;
        for (int i = 0; i < states; i++) c.SetFormalInput(body.Inputs[i], c.InputType(i));
        for (int j = 0; j < scanInputs; j++)
        {
            var t = c.InputTensor(states + j);
            if (t?.Shape is not { } s)
            {
                c.SetFormalInput(body.Inputs[states + j], t is null ? null : new TensorType(t.ElementType, null));
                continue;
            }
            int axis = DimMath.Axis(inputAxes[j], s.Rank, "scan_input_axes entry");
            if (!sequence.IsStatic) sequence = DimMath.Unify(sequence, s[axis]);
            c.SetFormalInput(body.Inputs[states + j], new TensorType(t.ElementType, new Shape(s.Where((_, i) => i != axis))));
        }
        c.InferSubgraph(body);
        for (int i = 0; i < states && i < c.OutputCount; i++) c.SetOutput(i, TypeMerge.Join(c.InputType(i), body.Outputs[i].Type));
        var outputAxes = c.Node.GetInts("scan_output_axes");
        for (int k = states; k < c.OutputCount && k < body.Outputs.Count; k++)
        {
            if (body.Outputs[k].Type is not TensorType t) continue;
            if (t.Shape is null)
            {
                c.SetOutput(k, new TensorType(t.ElementType, null));
                continue;
            }
            int axis = DimMath.Axis(outputAxes?[k - states] ?? 0, t.Shape.Rank + 1, "scan_output_axes entry");
            var dims = t.Shape.ToList();
            dims.Insert(axis, sequence);
            c.SetOutput(k, new TensorType(t.ElementType, new Shape(dims)));
        }
    }

    private static IrType? WithoutShape(IrType? type) => type is TensorType t ? new TensorType(t.ElementType, null) : type;
}

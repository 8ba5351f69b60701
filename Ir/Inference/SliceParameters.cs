namespace Onnxc.Ir.Inference;

/// <summary>Slice's starts/ends/axes/steps, read from inputs (opset 10+) or attributes (before), axes normalized.</summary>
internal sealed record SliceParameters(long[] Starts, long[] Ends, int[] Axes, long[] Steps)
{
    public static bool TryRead(ConstantValues values, Node node, int rank, out SliceParameters parameters)
    {
        parameters = null!;
        bool fromInputs = node.Inputs.Count > 1;
        long[]? starts = fromInputs ? values.TryGetInt64s(node.Input(1)) : node.GetInts("starts");
        long[]? ends = fromInputs ? values.TryGetInt64s(node.Input(2)) : node.GetInts("ends");
        if (starts is null || ends is null) return false;
        if (starts.Length != ends.Length) throw new ShapeInferenceException($"Slice has {starts.Length} starts but {ends.Length} ends");
        long[]? axes = fromInputs ? (node.Input(3) is null ? null : values.TryGetInt64s(node.Input(3))) : node.GetInts("axes");
        if (axes is null && fromInputs && node.Input(3) is not null) return false;
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        long[]? steps = fromInputs && node.Input(4) is not null ? values.TryGetInt64s(node.Input(4)) : null;
        if (steps is null && fromInputs && node.Input(4) is not null) return false;
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        if (axes.Length != starts.Length || steps.Length != starts.Length) throw new ShapeInferenceException("Slice starts, axes and steps differ in length");
        parameters = new SliceParameters(starts, ends, axes.Select(a => DimMath.Axis(a, rank, "Slice axis")).ToArray(), steps);
        return true;
    }
}

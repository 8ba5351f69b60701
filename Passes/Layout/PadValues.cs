using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Layout;

/// <summary>
/// The constant each widened value holds in its padded columns, followed from the producing layers (zero weight
/// columns: 0, or the Gemm's scalar bias) through the region's elementwise ops. A padded column meets zero weight
/// rows in the consumer, which cancels it only when it is finite in the value's own element type.
/// </summary>
internal static class PadValues
{
    /// <summary>Why some padded column would not be finite, or null when every one is.</summary>
    public static string? Check(IReadOnlySet<Node> nodes, IReadOnlyList<LinearLayerMatch> sources, IReadOnlySet<Value> values)
    {
        var pad = new Dictionary<Value, double>();
        foreach (var source in sources)
        {
            double bias = source.GemmBias is { } c && Patterns.ConstantTensor(c) is { ElementCount: 1 } ? Patterns.ScalarConstant(c) ?? double.NaN : 0;
            pad[source.Node.Output(0)] = source.Beta * bias;
        }
        var graph = sources[0].Node.Graph!;
        foreach (var node in graph.Nodes.Where(nodes.Contains))
        {
            var arguments = node.Inputs.Select(input => Argument(input, values, pad)).ToArray();
            if (arguments.Any(a => a is null)) return $"{node} reads a value whose padded columns are not known";
            double result = ElementwiseOps.Function(node)!(arguments.Select(a => a!.Value).ToArray());
            var output = node.Output(0);
            if (!Finite(result, output.ElementType)) return $"the padded columns of {output} would hold {result}, not a finite value";
            pad[output] = result;
        }
        return null;
    }

    /// <summary>A widened value's pad constant; a scalar constant's value; 0 for a K-vector (padded with zeros).</summary>
    private static double? Argument(Value? input, IReadOnlySet<Value> values, Dictionary<Value, double> pad)
    {
        if (input is null) return null;
        if (values.Contains(input)) return pad.TryGetValue(input, out var known) ? known : null;
        var constant = Patterns.ConstantTensor(input);
        if (constant is null) return null;
        return constant.ElementCount == 1 ? Patterns.ScalarConstant(input) : 0;
    }

    private static bool Finite(double value, DataType? type) => double.IsFinite(value) && Math.Abs(value) <= type switch
    {
        DataType.Float16 => 65504,
        DataType.Double => double.MaxValue,
        _ => float.MaxValue,
    };
}

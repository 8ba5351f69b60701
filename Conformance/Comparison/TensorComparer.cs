using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>One-shot comparisons of a candidate value with a reference value.</summary>
public static class TensorComparer
{
    /// <summary>Compares two tensors: floats within <paramref name="tolerance"/>, everything else exactly.</summary>
    public static OutputComparison Compare(Tensor expected, Tensor actual, Tolerance tolerance, string name = "") =>
        Compare(new TensorValue(expected), new TensorValue(actual), tolerance, name);

    /// <summary>Compares two runtime values (tensors, sequences element by element, empty optionals).</summary>
    public static OutputComparison Compare(RuntimeValue? expected, RuntimeValue? actual, Tolerance tolerance, string name = "", bool shapeOnly = false)
    {
        var accumulator = new ComparisonAccumulator(name, tolerance, shapeOnly);
        accumulator.Add(expected, actual);
        return accumulator.Result();
    }
}

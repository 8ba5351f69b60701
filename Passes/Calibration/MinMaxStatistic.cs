using System.Numerics.Tensors;
using Tensor = Onnxc.Ir.Tensor;
using Onnxc.Ir;

namespace Onnxc.Passes.Calibration;

/// <summary>Running minimum and maximum of an activation (for static int8 ranges).</summary>
public sealed class MinMaxStatistic : IActivationStatistic
{
    public float Min { get; private set; } = float.PositiveInfinity;

    public float Max { get; private set; } = float.NegativeInfinity;

    public int Samples { get; private set; }

    public void Accumulate(Tensor activation)
    {
        var values = ActivationValues.AsFloats(activation, out _);
        Samples++;
        if (values.Length == 0) return;
        Min = Math.Min(Min, TensorPrimitives.Min(values));
        Max = Math.Max(Max, TensorPrimitives.Max(values));
    }
}

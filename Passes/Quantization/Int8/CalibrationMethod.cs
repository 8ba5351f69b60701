namespace Onnxc.Passes.Quantization.Int8;

/// <summary>How an activation's quantization range is chosen from its calibration statistics.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum: nothing clips, outliers widen the step for everyone.</summary>
    MinMax,

    /// <summary>Clip the given percentile's tails (e.g. 99.99 keeps all but 0.01 % of values): robust to rare outliers.</summary>
    Percentile,

    /// <summary>The |x| threshold minimising KL(P‖Q) between the reference and quantized histograms (TensorRT's calibrator).</summary>
    Entropy,
}

/// <summary>A float range [Low, High] chosen for an activation, and what chose it.</summary>
public readonly record struct ActivationRange(float Low, float High, CalibrationMethod Method)
{
    /// <summary>The uint8 parameters this range maps to (widened to include 0).</summary>
    public QuantParams ToUInt8() => QuantParams.AsymmetricUInt8(Low, High);
}

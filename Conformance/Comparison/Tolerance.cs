namespace Onnxc.Conformance;

/// <summary>
/// A named closeness rule: an element passes when |actual - expected| &lt;= Atol + Rtol * |expected|
/// (numpy.allclose with the expected value as reference). NaN matches NaN; an infinity matches the same infinity.
/// </summary>
public sealed record Tolerance(string Name, double Rtol, double Atol)
{
    /// <summary>The ONNX backend test runner's rule (onnx/backend/test/runner): rtol 1e-3, atol 1e-7.</summary>
    public static Tolerance OnnxBackend { get; } = new("onnx-backend", 1e-3, 1e-7);

    /// <summary>For rewrites meant to be lossless in float32 (fusions, constant folding): rtol 1e-4, atol 1e-5.</summary>
    public static Tolerance Fp32Rewrite { get; } = new("fp32-rewrite", 1e-4, 1e-5);

    /// <summary>For float16 conversion: rtol 1e-2, atol 1e-3.</summary>
    public static Tolerance Fp16 { get; } = new("fp16", 1e-2, 1e-3);

    /// <summary>Bit-identical results only.</summary>
    public static Tolerance Exact { get; } = new("exact", 0, 0);

    public bool IsClose(double actual, double expected)
    {
        if (double.IsNaN(actual) || double.IsNaN(expected)) return double.IsNaN(actual) && double.IsNaN(expected);
        if (double.IsInfinity(actual) || double.IsInfinity(expected)) return actual == expected;
        return Math.Abs(actual - expected) <= Atol + Rtol * Math.Abs(expected);
    }

    public override string ToString() => $"{Name} (rtol {Rtol:G3}, atol {Atol:G3})";
}

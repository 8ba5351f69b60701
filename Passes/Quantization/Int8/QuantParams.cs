namespace Onnxc.Passes.Quantization.Int8;

/// <summary>Affine quantization of one tensor or channel: q = saturate(round_half_even(x / Scale) + ZeroPoint).</summary>
public readonly record struct QuantParams(float Scale, int ZeroPoint)
{
    /// <summary>Symmetric signed parameters for a range of magnitude <paramref name="absMax"/> mapped onto [-qmax, qmax].</summary>
    public static QuantParams Symmetric(float absMax, int qmax)
    {
        // A zero channel still needs a finite, positive scale so DequantizeLinear stays exact (0 * s = 0).
        if (!(absMax > 0) || float.IsInfinity(absMax)) return new QuantParams(1f, 0);
        return new QuantParams(absMax / qmax, 0);
    }

    /// <summary>
    /// Asymmetric uint8 parameters covering [min, max] widened to include 0, as ONNX DynamicQuantizeLinear chooses
    /// them, so that 0 (padding, ReLU output) is represented exactly.
    /// </summary>
    public static QuantParams AsymmetricUInt8(float min, float max)
    {
        min = MathF.Min(min, 0f);
        max = MathF.Max(max, 0f);
        if (max == min || !float.IsFinite(max - min)) return new QuantParams(1f, 0);
        float scale = (max - min) / 255f;
        float zero = MathF.Round(Math.Clamp(-min / scale, 0f, 255f), MidpointRounding.ToEven);
        return new QuantParams(scale, (int)zero);
    }

    /// <summary>Quantizes one value to the integer grid, saturating to [qmin, qmax].</summary>
    public int Quantize(float x, int qmin, int qmax)
    {
        float q = MathF.Round(x / Scale, MidpointRounding.ToEven) + ZeroPoint;
        if (float.IsNaN(q)) return ZeroPoint;
        return (int)Math.Clamp(q, qmin, qmax);
    }

    public float Dequantize(int q) => (q - ZeroPoint) * Scale;
}

namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>What the bit allocation must meet: a model size, or an end-to-end output similarity.</summary>
public abstract record MixedPrecisionBudget
{
    /// <summary>Quantizable weights must fit in <paramref name="Bytes"/> bytes (other tensors count too, see <see cref="BitAllocator"/>).</summary>
    public sealed record Size(long Bytes) : MixedPrecisionBudget
    {
        public override string ToString() => $"size ≤ {Bytes:N0} bytes";
    }

    /// <summary>Mean cosine similarity of the outputs to fp32's over the calibration samples must stay ≥ <paramref name="MinCosine"/>.</summary>
    public sealed record Accuracy(double MinCosine) : MixedPrecisionBudget
    {
        public override string ToString() => $"cosine ≥ {MinCosine}";
    }

    /// <summary>
    /// Parses the CLI forms: "--size-budget 12000000", "--size-budget 0.3" (a ratio of the fp32 size), or
    /// "--accuracy-budget 0.995". Bad values throw <see cref="Onnxc.Ir.OnnxcException"/>.
    /// </summary>
    public static MixedPrecisionBudget Parse(string? size, string? accuracy, long fp32Bytes)
    {
        if ((size is null) == (accuracy is null))
        {
            throw new Onnxc.Ir.OnnxcException(Onnxc.Ir.DiagnosticIds.Usage, "mixed precision needs exactly one of --size-budget or --accuracy-budget");
        }
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        if (accuracy is not null)
        {
            if (!double.TryParse(accuracy, System.Globalization.NumberStyles.Float, culture, out var cosine) || cosine is <= 0 or > 1)
            {
                throw new Onnxc.Ir.OnnxcException(Onnxc.Ir.DiagnosticIds.Usage, $"--accuracy-budget '{accuracy}' is not a cosine in (0, 1]");
            }
            return new Accuracy(cosine);
        }
        if (!double.TryParse(size, System.Globalization.NumberStyles.Float, culture, out var amount) || amount <= 0)
        {
            throw new Onnxc.Ir.OnnxcException(Onnxc.Ir.DiagnosticIds.Usage, $"--size-budget '{size}' is neither a byte count nor a ratio in (0, 1]");
        }
        return amount <= 1 ? new Size((long)(amount * fp32Bytes)) : new Size((long)amount);
    }
}

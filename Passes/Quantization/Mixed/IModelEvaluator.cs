using Onnxc.Ir;

namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>
/// Runs a model (as it is now, in memory) on the calibration samples and returns, per sample, all float outputs
/// flattened into one vector. Sensitivity analysis calls it once per layer and precision.
/// </summary>
public interface IModelEvaluator
{
    IReadOnlyList<float[]> Run(Model model);
}

/// <summary>How far quantized outputs are from the fp32 ones.</summary>
public static class OutputSimilarity
{
    /// <summary>Mean over samples of the cosine similarity of each sample's outputs (1 = same direction).</summary>
    public static double MeanCosine(IReadOnlyList<float[]> reference, IReadOnlyList<float[]> candidate)
    {
        if (reference.Count != candidate.Count || reference.Count == 0) throw new ArgumentException("sample counts differ or are zero");
        double total = 0;
        for (int s = 0; s < reference.Count; s++) total += Cosine(reference[s], candidate[s]);
        return total / reference.Count;
    }

    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"output lengths differ: {a.Length} vs {b.Length}");
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        if (na == 0 && nb == 0) return 1;
        if (na == 0 || nb == 0) return 0;
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Mean squared difference over all samples and elements.</summary>
    public static double MeanSquaredError(IReadOnlyList<float[]> reference, IReadOnlyList<float[]> candidate)
    {
        double sum = 0;
        long count = 0;
        for (int s = 0; s < reference.Count; s++)
        {
            for (int i = 0; i < reference[s].Length; i++)
            {
                double d = reference[s][i] - candidate[s][i];
                sum += d * d;
            }
            count += reference[s].Length;
        }
        return count == 0 ? 0 : sum / count;
    }
}

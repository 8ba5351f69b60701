using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes.Calibration;

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>How close a quantized model's first output stays to the original's on held-back samples.</summary>
public sealed record FidelityResult(int Samples, double Cosine, double MaxAbsError, double Top1Agreement, string Source);

/// <summary>Runs original and quantized model files on the same samples and compares their first output.</summary>
public static class EndToEndFidelity
{
    public static FidelityResult Measure(string referencePath, string candidatePath, CalibrationData samples, OrtRunnerOptions? options = null)
    {
        using var reference = new OrtRunner(referencePath, options);
        using var candidate = new OrtRunner(candidatePath, options);
        double dot = 0, refNorm = 0, candNorm = 0, maxError = 0;
        long rows = 0, agree = 0;
        foreach (var sample in samples.Samples)
        {
            var a = ((TensorValue)reference.Run(sample)[0].Value!).Tensor;
            var b = ((TensorValue)candidate.Run(sample)[0].Value!).Tensor;
            var x = a.AsSpan<float>();
            var y = b.AsSpan<float>();
            for (int i = 0; i < x.Length; i++)
            {
                dot += (double)x[i] * y[i];
                refNorm += (double)x[i] * x[i];
                candNorm += (double)y[i] * y[i];
                maxError = Math.Max(maxError, Math.Abs(x[i] - y[i]));
            }
            int classes = a.Rank == 0 ? 1 : (int)a.Dims[^1];
            for (int r = 0; r + classes <= x.Length; r += classes)
            {
                rows++;
                if (ArgMax(x.Slice(r, classes)) == ArgMax(y.Slice(r, classes))) agree++;
            }
        }
        double cosine = refNorm == 0 || candNorm == 0 ? 0 : dot / Math.Sqrt(refNorm * candNorm);
        return new FidelityResult(samples.Count, cosine, maxError, rows == 0 ? 1 : (double)agree / rows, samples.Source);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }
}

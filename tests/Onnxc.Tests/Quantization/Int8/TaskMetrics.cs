using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes.Calibration;
using Onnxc.Passes.Quantization.Mixed;

namespace Onnxc.Tests.Quantization.Int8;

/// <summary>The task metrics of TRAINED.md (vit-mnist accuracy, chargpt cross-entropy) over row ranges of the test sets.</summary>
internal static class TaskMetrics
{
    /// <summary>Rows [start, start+count) of a [rows, ...] tensor, cut into batches of <paramref name="batch"/>.</summary>
    public static CalibrationData Batches(string input, Tensor data, int start, int count, int batch)
    {
        long rowBytes = data.ByteLength / data.Dims[0];
        var result = new List<InputSample>();
        for (int at = start; at < start + count; at += batch)
        {
            int rows = Math.Min(batch, start + count - at);
            var dims = data.Dims.ToArray();
            dims[0] = rows;
            var slice = new DenseTensor(data.ElementType, dims, data.Bytes.Slice((int)(at * rowBytes), (int)(rows * rowBytes)));
            result.Add(new InputSample { [input] = new TensorValue(slice) });
        }
        return CalibrationData.FromSamples(result, $"{input} rows {start}..{start + count - 1}");
    }

    /// <summary>Top-1 accuracy of logits [rows, classes] against labels for rows [start, start+count).</summary>
    public static double Accuracy(Model model, Tensor x, long[] y, int start, int count)
    {
        var outputs = Evaluate(model, Batches("pixel_values", x, start, count, 200));
        var logits = outputs.SelectMany(o => o).ToArray();
        int classes = logits.Length / count, correct = 0;
        for (int r = 0; r < count; r++)
        {
            var row = logits.AsSpan(r * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            if (best == y[start + r]) correct++;
        }
        return (double)correct / count;
    }

    /// <summary>Mean cross-entropy (nats/char) of logits [rows, T, V] against targets for rows [start, start+count).</summary>
    public static double CrossEntropy(Model model, Tensor x, long[] y, int start, int count)
    {
        var outputs = Evaluate(model, Batches("input_ids", x, start, count, 32));
        var logits = outputs.SelectMany(o => o).ToArray();
        int positions = (int)(x.Dims[1] * count), vocab = logits.Length / positions;
        double total = 0;
        for (int p = 0; p < positions; p++)
        {
            var row = logits.AsSpan(p * vocab, vocab);
            double max = double.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            double sum = 0;
            foreach (var v in row) sum += Math.Exp(v - max);
            total += max + Math.Log(sum) - row[(int)y[start * x.Dims[1] + p]];
        }
        return total / positions;
    }

    /// <summary>Float outputs per batch, run with all ORT optimizations as a deployment would.</summary>
    public static IReadOnlyList<float[]> Evaluate(Model model, CalibrationData data) =>
        new CalibrationEvaluator(new CalibrationService(data, new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All })).Run(model);

    public static Model Load(string path) => OnnxImporter.Load(path);
}

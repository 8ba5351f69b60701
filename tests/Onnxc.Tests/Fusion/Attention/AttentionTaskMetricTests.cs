using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Fusion.Attention;

/// <summary>The task metrics of the two trained models (TRAINED.md) before and after -O2 with attention fusion.</summary>
public class AttentionTaskMetricTests
{
    [Fact]
    public void Vit_mnist_accuracy_is_unchanged_after_O2()
    {
        var folder = SharedData.RequireOrSkip("models/vit-mnist");
        var images = NpyFormat.Read(Path.Combine(folder, "x_test.npy"));
        var labels = NpyFormat.Read(Path.Combine(folder, "y_test.npy")).ToArray<long>();
        double Accuracy(string model) => Batches(model, "pixel_values", images, 250).Select((logits, b) => Correct(logits, labels, b * 250)).Sum() / (double)labels.Length;

        var original = Path.Combine(folder, "model.onnx");
        double before = Accuracy(original), after = Accuracy(Optimized(original));
        Assert.Equal(0.9770, before, 4);
        Assert.Equal(before, after, 4);
    }

    [Fact]
    public void Chargpt_cross_entropy_is_unchanged_after_O2()
    {
        var folder = SharedData.RequireOrSkip("models/chargpt-fortunes");
        var inputs = NpyFormat.Read(Path.Combine(folder, "x_test.npy"));
        var targets = NpyFormat.Read(Path.Combine(folder, "y_test.npy")).ToArray<long>();
        double CrossEntropy(string model) => Batches(model, "input_ids", inputs, 32).Select((logits, b) => NegLogLikelihood(logits, targets, b * 32 * 128)).Sum() / targets.Length;

        var original = Path.Combine(folder, "model.onnx");
        double before = CrossEntropy(original), after = CrossEntropy(Optimized(original));
        Assert.Equal(1.8109, before, 4);
        Assert.Equal(before, after, 4);
    }

    private static string Optimized(string original)
    {
        using var model = OnnxImporter.Load(original);
        new PassManager(Pipelines.ForLevel(2)).Run(model);
        Assert.Contains(model.Graph.Nodes, n => n.Is("Attention", "com.microsoft"));
        var path = Path.Combine(Directory.CreateTempSubdirectory("onnxc-attn-metric-").FullName, "model.onnx");
        OnnxExporter.Save(model, path);
        return path;
    }

    /// <summary>Runs the model over the first axis of <paramref name="data"/> in batches, yielding the first output.</summary>
    private static IEnumerable<Tensor> Batches(string model, string inputName, Tensor data, int batch)
    {
        using var runner = new OrtRunner(model, new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All });
        long rows = data.Dims[0], rowBytes = data.ByteLength / rows;
        for (long start = 0; start < rows; start += batch)
        {
            long count = Math.Min(batch, rows - start);
            var dims = data.Dims.ToArray();
            dims[0] = count;
            var slice = new DenseTensor(data.ElementType, dims, data.Bytes.Slice((int)(start * rowBytes), (int)(count * rowBytes)));
            var outputs = runner.Run(new Dictionary<string, RuntimeValue?> { [inputName] = slice });
            yield return ((TensorValue)outputs[0].Value!).Tensor;
        }
    }

    private static int Correct(Tensor logits, long[] labels, int offset)
    {
        var values = logits.AsSpan<float>();
        int classes = (int)logits.Dims[^1], correct = 0;
        for (int row = 0; row < logits.Dims[0]; row++)
        {
            var r = values.Slice(row * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (r[c] > r[best]) best = c;
            if (best == labels[offset + row]) correct++;
        }
        return correct;
    }

    private static double NegLogLikelihood(Tensor logits, long[] targets, int offset)
    {
        var values = logits.AsSpan<float>();
        int vocab = (int)logits.Dims[^1];
        double total = 0;
        for (int position = 0; position < values.Length / vocab; position++)
        {
            var r = values.Slice(position * vocab, vocab);
            double max = double.NegativeInfinity, sum = 0;
            foreach (var v in r) max = Math.Max(max, v);
            foreach (var v in r) sum += Math.Exp(v - max);
            total += max + Math.Log(sum) - r[(int)targets[offset + position]];
        }
        return total;
    }
}

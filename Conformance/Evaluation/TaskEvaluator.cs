using System.Diagnostics;
using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>Task metrics a compressed model is judged by (TRAINED.md): classification accuracy, or next-token cross-entropy.</summary>
public enum TaskMetric
{
    /// <summary>Share of rows whose argmax over the last axis equals the label.</summary>
    Accuracy,

    /// <summary>Mean over all labelled positions of logsumexp(logits) − logits[label], in nats.</summary>
    CrossEntropy,
}

/// <summary>The result of one evaluation run.</summary>
public sealed record TaskEvaluation(TaskMetric Metric, double Value, long Positions, int Rows, TimeSpan Elapsed)
{
    public override string ToString() => Metric == TaskMetric.Accuracy
        ? $"accuracy {Value:P2} over {Positions} rows"
        : $"cross-entropy {Value:F4} nats/position (perplexity {Math.Exp(Value):F3}) over {Positions} positions";
}

/// <summary>
/// Runs a single-input model over a labelled test set in batches (memory stays bounded by one batch) and computes
/// the task metric on its first output.
/// </summary>
public static class TaskEvaluator
{
    public static TaskEvaluation Evaluate(string modelPath, Tensor inputs, Tensor labels, TaskMetric metric, int batchSize = 64, int? maxRows = null, int skipRows = 0, OrtRunnerOptions? options = null)
    {
        if (labels.ElementType != DataType.Int64) throw new OnnxcException(DiagnosticIds.InputData, $"labels must be int64, not {labels.ElementType.ShortName()}");
        if (inputs.Rank == 0 || labels.Rank == 0 || inputs.Dims[0] != labels.Dims[0])
        {
            throw new OnnxcException(DiagnosticIds.InputData, $"inputs [{string.Join(",", inputs.Dims)}] and labels [{string.Join(",", labels.Dims)}] do not have the same number of rows");
        }
        using var runner = new OrtRunner(modelPath, options);
        if (runner.Inputs.Count != 1)
        {
            throw new OnnxcException(DiagnosticIds.Usage, $"evaluate feeds one input, but the model has {runner.Inputs.Count} ({string.Join(", ", runner.Inputs.Select(p => p.Name))})");
        }
        if (skipRows < 0 || skipRows >= inputs.Dims[0]) throw new OnnxcException(DiagnosticIds.Usage, $"cannot skip {skipRows} of {inputs.Dims[0]} rows");
        int end = (int)Math.Min(inputs.Dims[0], skipRows + (long)(maxRows ?? int.MaxValue));
        var labelValues = labels.AsSpan<long>().ToArray();
        long labelsPerRow = labels.ElementCount / labels.Dims[0];
        var clock = Stopwatch.StartNew();
        double total = 0;
        long positions = 0;
        for (int start = skipRows; start < end; start += batchSize)
        {
            int count = Math.Min(batchSize, end - start);
            var batch = Rows(inputs, start, count);
            var output = runner.Run(new Dictionary<string, RuntimeValue?> { [runner.Inputs[0].Name] = batch })[0].Value as TensorValue
                ?? throw new OnnxcException(DiagnosticIds.RuntimeFailed, "the model's first output is not a tensor");
            var logits = TensorElements.ToDoubles(output.Tensor);
            int classes = (int)output.Tensor.Dims[^1];
            long outputPositions = logits.Length / classes;
            if (outputPositions != count * labelsPerRow)
            {
                throw new OnnxcException(DiagnosticIds.InputData, $"the output has {outputPositions} positions of {classes} classes, but the labels give {count * labelsPerRow}");
            }
            for (long p = 0; p < outputPositions; p++)
            {
                long label = labelValues[start * labelsPerRow + p];
                var row = logits.AsSpan((int)(p * classes), classes);
                total += metric == TaskMetric.Accuracy ? (ArgMax(row) == label ? 1 : 0) : CrossEntropy(row, (int)label);
            }
            positions += outputPositions;
        }
        return new TaskEvaluation(metric, total / positions, positions, end - skipRows, clock.Elapsed);
    }

    private static Tensor Rows(Tensor tensor, int start, int count)
    {
        long rowBytes = tensor.ByteLength / tensor.Dims[0];
        var dims = tensor.Dims.ToArray();
        dims[0] = count;
        return new DenseTensor(tensor.ElementType, dims, tensor.Bytes.Slice((int)(start * rowBytes), (int)(count * rowBytes)));
    }

    private static int ArgMax(ReadOnlySpan<double> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    private static double CrossEntropy(ReadOnlySpan<double> row, int label)
    {
        double max = double.NegativeInfinity;
        foreach (var v in row) max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in row) sum += Math.Exp(v - max);
        return max + Math.Log(sum) - row[label];
    }
}

using System.Diagnostics;

namespace Onnxc.Conformance;

/// <summary>Latency of repeated ONNX Runtime runs on fixed inputs: the median, with the spread that says how noisy it was.</summary>
public sealed record LatencyResult(TimeSpan Median, TimeSpan Min, TimeSpan Max, int Runs, int IntraOpThreads)
{
    public override string ToString() =>
        $"median {Median.TotalMilliseconds:0.00} ms (min {Min.TotalMilliseconds:0.00}, max {Max.TotalMilliseconds:0.00}) over {Runs} runs, {IntraOpThreads} intra-op thread(s)";
}

/// <summary>Times <see cref="OrtRunner.Run"/> on one input set; session creation and a warm-up run are not timed.</summary>
public static class LatencyProbe
{
    public static LatencyResult Measure(string modelPath, IReadOnlyDictionary<string, RuntimeValue?> inputs, int repeat, OrtRunnerOptions options)
    {
        if (repeat < 1) throw new ArgumentOutOfRangeException(nameof(repeat), "at least one timed run");
        using var runner = new OrtRunner(modelPath, options);
        runner.Run(inputs);
        var times = new List<TimeSpan>(repeat);
        for (int i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            runner.Run(inputs);
            times.Add(clock.Elapsed);
        }
        times.Sort();
        var median = repeat % 2 == 1 ? times[repeat / 2] : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
        return new LatencyResult(median, times[0], times[^1], repeat, options.IntraOpThreads);
    }
}

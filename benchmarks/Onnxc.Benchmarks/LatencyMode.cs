using Onnxc.Conformance;

namespace Onnxc.Benchmarks;

/// <summary>
/// <c>latency MODEL [MODEL...] [--dim name=value]... [--upper input=N]... [--threads N] [--repeat N]</c>: median ORT CPU latency
/// (ORT_ENABLE_ALL) of each model on the same generated inputs (seed 0), for models evaluate cannot feed (several inputs).
/// </summary>
public static class LatencyMode
{
    public static void Run(string[] args)
    {
        var arguments = ModelRunArguments.Parse(args);
        var options = new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All, IntraOpThreads = arguments.Threads };
        foreach (var model in arguments.Models)
        {
            Console.WriteLine($"{model}: {LatencyProbe.Measure(model, arguments.Feed(model, options), arguments.Repeat, options)}");
        }
    }
}

using BenchmarkDotNet.Running;

namespace Onnxc.Benchmarks;

/// <summary>Runs the BenchmarkDotNet suites; pass BenchmarkDotNet's own arguments (e.g. --filter '*ImportExport*').</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // "latency" is a plain timing mode (median of N ORT runs), not a BenchmarkDotNet suite: see LatencyMode.
        if (args is ["latency", .. var rest]) LatencyMode.Run(rest);
        else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}

using BenchmarkDotNet.Running;

namespace Onnxc.Benchmarks;

/// <summary>Runs the BenchmarkDotNet suites; pass BenchmarkDotNet's own arguments (e.g. --filter '*ImportExport*').</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}

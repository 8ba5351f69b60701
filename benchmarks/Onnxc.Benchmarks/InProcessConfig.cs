using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Onnxc.Benchmarks;

/// <summary>
/// Runs benchmarks in the host process: building a separate benchmark executable takes minutes on the 2-core
/// machines we have, and our benchmarks measure seconds-long operations where in-process overhead is negligible.
/// </summary>
public sealed class InProcessConfig : ManualConfig
{
    public InProcessConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5));
    }
}

using BenchmarkDotNet.Running;
using Onnxc.Ir;

namespace Onnxc.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet suites (pass BenchmarkDotNet's own arguments, e.g. --filter '*ImportExport*'), or
/// <c>fusion-latency [model ...]</c>: the ORT latency comparison of <see cref="FusionLatency"/>, or
/// <c>sparse24-kernel [M,K,N ...]</c>: SparseMatMul24 against dense MatMul (<see cref="SparseKernelLatency"/>), or
/// <c>session-creation MODEL...</c>: where session creation time goes (<see cref="SessionCreation"/>), or
/// <c>op-profile MODEL...</c>: ORT's kernel time per operator type (<see cref="OpProfile"/>), or
/// <c>reduction-stride [K ...]</c>: MatMul time against the activation's row stride (<see cref="ReductionStride"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            return Dispatch(args);
        }
        catch (OnnxcException error)
        {
            // A bad model path or a missing --dim is the user's to fix: say so in one line, as onnxc does.
            Console.Error.WriteLine(error.Message);
            return 2;
        }
    }

    private static int Dispatch(string[] args)
    {
        // Plain timing modes (medians of ORT runs), not BenchmarkDotNet suites: see LatencyMode and FusionLatency.
        if (args is ["latency", .. var rest])
        {
            LatencyMode.Run(rest);
            return 0;
        }
        if (args is ["fusion-latency", .. var models]) return FusionLatency.Run(models);
        if (args is ["sparse24-kernel", .. var shapes]) return SparseKernelLatency.Run(shapes);
        if (args is ["session-creation", .. var paths]) return SessionCreation.Run(paths);
        if (args is ["op-profile", .. var profiled]) return OpProfile.Run(profiled);
        if (args is ["reduction-stride", .. var strides]) return ReductionStride.Run(strides);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

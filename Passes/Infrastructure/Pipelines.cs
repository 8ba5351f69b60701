using Onnxc.Ir;
using Onnxc.Passes.Cleanup;
using Onnxc.Passes.Sparsity;

namespace Onnxc.Passes;

/// <summary>Optimization levels and the pass registry, in one place.</summary>
public static class Pipelines
{
    /// <summary>Every pass the CLI can name with <c>--passes</c>.</summary>
    public static IReadOnlyList<IPass> AllPasses() => new IPass[]
    {
        new RemoveIdentity(),
        new EliminateCommonSubexpressions(),
        new EliminateDeadCode(),
    };

    public static IPass FindPass(string name) =>
        AllPasses().FirstOrDefault(p => p.Name == name)
        ?? throw new OnnxcException(DiagnosticIds.UnknownPass, $"unknown pass '{name}'", hint: "run 'onnxc optimize --list-passes' to see the names");

    public static IReadOnlyList<PipelineStep> ForLevel(int level) => level switch
    {
        0 => Array.Empty<PipelineStep>(),
        // Clean-up: bypassing no-ops and merging duplicates expose dead producers and new duplicates, so the
        // three repeat together until nothing changes.
        _ => new PipelineStep[]
        {
            new PipelineStep.Fixpoint(new IPass[] { new RemoveIdentity(), new EliminateCommonSubexpressions(), new EliminateDeadCode() }),
        },
    };

    /// <summary>
    /// <c>--sparsity 2:4</c>: pruning runs after the -O pipeline so fusions see (and keep) the dense MatMul/Add/Gelu
    /// shapes they match and SparseMatMul24 can absorb a fused Gelu; dead-code clean-up then drops the dense weights.
    /// prune-2-4 is not in <see cref="AllPasses"/>: it is lossy, needs options and calibration data, and no elementwise
    /// tolerance describes it (it is judged by the task metric).
    /// </summary>
    public static IReadOnlyList<PipelineStep> WithSparsity(IReadOnlyList<PipelineStep> pipeline, Prune24Options options) =>
        pipeline.Concat(new PipelineStep[] { new PipelineStep.Single(new Prune24Pass(options)), new PipelineStep.Single(new EliminateDeadCode()) }).ToList();

    /// <summary>A pipeline of named passes, in the order given.</summary>
    public static IReadOnlyList<PipelineStep> FromNames(IEnumerable<string> names) =>
        names.Select(n => (PipelineStep)new PipelineStep.Single(FindPass(n.Trim()))).ToList();
}

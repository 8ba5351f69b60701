using Onnxc.Ir;
using Onnxc.Passes.Cleanup;

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

    /// <summary>A pipeline of named passes, in the order given.</summary>
    public static IReadOnlyList<PipelineStep> FromNames(IEnumerable<string> names) =>
        names.Select(n => (PipelineStep)new PipelineStep.Single(FindPass(n.Trim()))).ToList();
}

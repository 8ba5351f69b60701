using Onnxc.Ir;
using Onnxc.Passes.Cleanup;
using Onnxc.Passes.Fusion.Attention;

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
        new AttentionFusionPass(),
    };

    public static IPass FindPass(string name) =>
        AllPasses().FirstOrDefault(p => p.Name == name)
        ?? throw new OnnxcException(DiagnosticIds.UnknownPass, $"unknown pass '{name}'", hint: "run 'onnxc optimize --list-passes' to see the names");

    public static IReadOnlyList<PipelineStep> ForLevel(int level) => level switch
    {
        0 => Array.Empty<PipelineStep>(),
        1 => new PipelineStep[] { CleanUp() },
        // Fusions run on a cleaned graph (no Identity between the mask buffer and its Slices, shared shape
        // chains merged). Attention comes after the norm fusions because it only reads the projections' inputs,
        // whatever produced them; the trailing clean-up drops the Shape/Gather chains the fused heads no longer read
        // and merges the per-layer mask Expands into one.
        _ => new PipelineStep[]
        {
            CleanUp(),
            new PipelineStep.Single(new AttentionFusionPass()),
            CleanUp(),
        },
    };

    // Clean-up: bypassing no-ops and merging duplicates expose dead producers and new duplicates, so the three
    // repeat together until nothing changes.
    private static PipelineStep CleanUp() =>
        new PipelineStep.Fixpoint(new IPass[] { new RemoveIdentity(), new EliminateCommonSubexpressions(), new EliminateDeadCode() });

    /// <summary>A pipeline of named passes, in the order given.</summary>
    public static IReadOnlyList<PipelineStep> FromNames(IEnumerable<string> names) =>
        names.Select(n => (PipelineStep)new PipelineStep.Single(FindPass(n.Trim()))).ToList();
}

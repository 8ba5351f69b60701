using Onnxc.Ir;
using Onnxc.Passes.Cleanup;
using Onnxc.Passes.Fusion;

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
        new FuseLayerNormPass(),
        new FuseSkipLayerNormPass(),
        new FuseGeluPass(),
        new FuseBiasGeluPass(),
        new FuseMatMulBiasPass(),
    };

    public static IPass FindPass(string name) =>
        AllPasses().FirstOrDefault(p => p.Name == name)
        ?? throw new OnnxcException(DiagnosticIds.UnknownPass, $"unknown pass '{name}'", hint: "run 'onnxc optimize --list-passes' to see the names");

    public static IReadOnlyList<PipelineStep> ForLevel(int level) => level switch
    {
        0 => Array.Empty<PipelineStep>(),
        // -O2: -O1's clean-up first (duplicates merged, so each pattern sees one value per computation), then the
        // fusions, then the clean-up again for the constants and shape chains the fusions leave unread.
        >= 2 => ForLevel(1).Concat(Level2Fusions()).Concat(ForLevel(1)).ToArray(),
        // Clean-up: bypassing no-ops and merging duplicates expose dead producers and new duplicates, so the
        // three repeat together until nothing changes.
        _ => new PipelineStep[]
        {
            new PipelineStep.Fixpoint(new IPass[] { new RemoveIdentity(), new EliminateCommonSubexpressions(), new EliminateDeadCode() }),
        },
    };

    /// <summary>The fusions of -O2, in dependency order.</summary>
    private static IEnumerable<PipelineStep> Level2Fusions() => new PipelineStep[]
    {
        // LayerNorm first: the Skip-LayerNorm fusion starts from the LayerNormalization it produces.
        new PipelineStep.Single(new FuseLayerNormPass()),
        // Skip-LayerNorm next: it folds the residual Add and the bias of the sublayer's last linear layer.
        new PipelineStep.Single(new FuseSkipLayerNormPass()),
        // Gelu before BiasGelu: the bias fusion starts from the Gelu/FastGelu this produces.
        new PipelineStep.Single(new FuseGeluPass()),
        new PipelineStep.Single(new FuseBiasGeluPass()),
        // MatMul+bias last: it takes only the 2-D biases no fusion above folded (3-D MatMuls stay MatMul).
        new PipelineStep.Single(new FuseMatMulBiasPass()),
    };

    /// <summary>A pipeline of named passes, in the order given.</summary>
    public static IReadOnlyList<PipelineStep> FromNames(IEnumerable<string> names) =>
        names.Select(n => (PipelineStep)new PipelineStep.Single(FindPass(n.Trim()))).ToList();
}

namespace Onnxc.Conformance;

/// <summary>ONNX Runtime's graph optimization levels, so callers need not reference ONNX Runtime.</summary>
public enum OrtOptimizationLevel
{
    /// <summary>ORT_DISABLE_ALL: run the graph as written (what conformance checks by default).</summary>
    DisableAll,
    Basic,
    Extended,
    /// <summary>ORT_ENABLE_ALL: what a deployment would run.</summary>
    All,
}

/// <summary>How <see cref="OrtRunner"/> configures its ONNX Runtime session (CPU only, deterministic by default).</summary>
public sealed record OrtRunnerOptions
{
    /// <summary>Graph optimization level of the session.</summary>
    public OrtOptimizationLevel OptimizationLevel { get; init; } = OrtOptimizationLevel.DisableAll;

    /// <summary>Intra-op threads; 1 keeps reductions in a fixed order so repeated runs agree bit for bit.</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Native custom-op libraries registered on the session (for ops ORT lacks).</summary>
    public IReadOnlyList<string> CustomOpLibraries { get; init; } = Array.Empty<string>();

    /// <summary>Per-run time limit; the run is asked to terminate when it passes. Null: no limit.</summary>
    public TimeSpan? RunTimeout { get; init; }

    /// <summary>
    /// When set, ORT records every node's kernel time to a JSON trace whose path starts with this prefix
    /// (<see cref="OrtRunner.EndProfiling"/> returns it): for finding where a model's time goes, not for timing it.
    /// </summary>
    public string? ProfilePrefix { get; init; }

    /// <summary>
    /// When set, ORT saves the graph it actually runs (after its own optimizations) to this path: what its fusions made
    /// of a model, e.g. whether it turned Add + LayerNormalization into SkipLayerNormalization.
    /// </summary>
    public string? OptimizedModelPath { get; init; }

    public static OrtRunnerOptions Default { get; } = new();
}

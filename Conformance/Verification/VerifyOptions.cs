namespace Onnxc.Conformance;

/// <summary>Settings of <see cref="ModelVerifier.Verify"/> (the engine behind `onnxc verify`).</summary>
public sealed record VerifyOptions
{
    /// <summary>Input data (directory, .npz, .npy or .pb); null: generate <see cref="Samples"/> random samples.</summary>
    public string? InputsPath { get; init; }

    /// <summary>Samples to generate when no inputs are given.</summary>
    public int Samples { get; init; } = 1;

    public int Seed { get; init; }

    public Tolerance Tolerance { get; init; } = Tolerance.Fp32Rewrite;

    /// <summary>Values of symbolic dims (--dim name=value), also "input:axis" for unnamed dims.</summary>
    public IReadOnlyDictionary<string, long> Dims { get; init; } = new Dictionary<string, long>();

    /// <summary>Distribution and integer ranges of generated inputs.</summary>
    public GeneratorOptions Generator { get; init; } = new();

    /// <summary>Session settings of both runs.</summary>
    public OrtRunnerOptions Runner { get; init; } = OrtRunnerOptions.Default;
}

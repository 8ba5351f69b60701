namespace Onnxc.Conformance;

/// <summary>Settings of <see cref="ConformanceHarness.Run"/>.</summary>
public sealed record ConformanceOptions
{
    /// <summary>Flags whose tests the subset always keeps: the constructs a round trip most easily breaks.</summary>
    public static IReadOnlySet<string> DefaultSubsetFlags { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "subgraph", "sequence", "optional", "string", "int4", "int2", "float8", "float4", "float16", "bfloat16", "initializers", "no_inputs",
    };

    /// <summary>Keeps tests whose id matches: a glob (* and ?) against the id or its last part, else a substring.</summary>
    public string? Filter { get; init; }

    /// <summary>Runs the subset for `make test`: every <see cref="SubsetStride"/>-th test plus all tests with <see cref="SubsetFlags"/>.</summary>
    public bool Subset { get; init; }

    public int SubsetStride { get; init; } = 10;

    public IReadOnlySet<string> SubsetFlags { get; init; } = DefaultSubsetFlags;

    /// <summary>Tests run at once (the CI machine has 2 cores).</summary>
    public int MaxParallelism { get; init; } = 2;

    /// <summary>Limit per test (each ORT run is terminated, the round trip is abandoned, past it).</summary>
    public TimeSpan TestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Graph optimization level of every ORT session.</summary>
    public OrtOptimizationLevel OptimizationLevel { get; init; } = OrtOptimizationLevel.DisableAll;

    /// <summary>
    /// Writes the round-tripped model (second argument) from the original (first). Null: import with OnnxImporter
    /// and export with OnnxExporter.
    /// </summary>
    public Action<string, string>? RoundTrip { get; init; }

    /// <summary>Where round-tripped models are written; null: a fresh temporary directory, deleted afterwards.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Keeps the round-tripped models of failing tests in <see cref="WorkDirectory"/>.</summary>
    public bool KeepFailedModels { get; init; }
}

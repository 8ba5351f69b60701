using System.Text.Json.Serialization;

namespace Onnxc.Conformance;

/// <summary>
/// How one output of a candidate agrees with the reference, over every sample compared. Metrics cover the
/// elements where both sides are finite; NaN/Inf disagreements are counted apart. JSON names are stable.
/// </summary>
public sealed record OutputComparison
{
    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>True when every sample matched: same structure, shape and type, and every element within tolerance.</summary>
    [JsonPropertyName("passed")] public required bool Passed { get; init; }

    /// <summary>The first problem found ("shape [2,3] != [3,2]", "12 of 600 elements outside tolerance ..."), null when passed.</summary>
    [JsonPropertyName("reason")] public string? Reason { get; init; }

    /// <summary>Element type of the reference (short name, "f32"); "seq" parts are compared element by element.</summary>
    [JsonPropertyName("elementType")] public string? ElementType { get; init; }

    /// <summary>Shape of the reference in the first sample.</summary>
    [JsonPropertyName("shape")] public IReadOnlyList<long>? Shape { get; init; }

    /// <summary>"tolerance" for floats, "exact" for integers, booleans and strings, "shape-only" for random outputs.</summary>
    [JsonPropertyName("mode")] public required string Mode { get; init; }

    [JsonPropertyName("samples")] public int Samples { get; init; }

    [JsonPropertyName("elementCount")] public long ElementCount { get; init; }

    /// <summary>Elements outside tolerance (or not equal, in exact mode), NaN/Inf disagreements included.</summary>
    [JsonPropertyName("mismatchCount")] public long MismatchCount { get; init; }

    [JsonPropertyName("maxAbsError")] public double MaxAbsError { get; init; }

    /// <summary>max |a-b| / max(|b|, 1e-6), b the reference.</summary>
    [JsonPropertyName("maxRelError")] public double MaxRelError { get; init; }

    [JsonPropertyName("meanAbsError")] public double MeanAbsError { get; init; }

    /// <summary>Cosine similarity of the flattened outputs (1 when both are all zeros).</summary>
    [JsonPropertyName("cosineSimilarity")] public double CosineSimilarity { get; init; } = 1;

    /// <summary>Elements where exactly one side is NaN.</summary>
    [JsonPropertyName("nanMismatches")] public long NanMismatches { get; init; }

    /// <summary>Elements where the sides differ in being +Inf or -Inf (and neither is NaN).</summary>
    [JsonPropertyName("infMismatches")] public long InfMismatches { get; init; }

    /// <summary>Share of rows whose argmax agrees, for float outputs of rank &gt;= 2 with last dim &gt;= 2 (logits); else null.</summary>
    [JsonPropertyName("top1Agreement")] public double? Top1Agreement { get; init; }

    /// <summary>True when every compared value is bit-identical (same type, shape and bytes).</summary>
    [JsonPropertyName("bitIdentical")] public bool BitIdentical { get; init; }
}

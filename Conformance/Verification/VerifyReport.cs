using System.Text.Json;
using System.Text.Json.Serialization;

namespace Onnxc.Conformance;

/// <summary>
/// Result of comparing a candidate model with a reference on the same inputs. JSON (camelCase names, stable):
/// reference, candidate, tolerance {name, rtol, atol}, inputs, samples, passed, referenceMs, candidateMs, outputs[]
/// (see <see cref="OutputComparison"/>). Non-finite numbers are written as "NaN"/"Infinity" strings.
/// </summary>
public sealed record VerifyReport
{
    [JsonPropertyName("reference")] public required string Reference { get; init; }

    [JsonPropertyName("candidate")] public required string Candidate { get; init; }

    [JsonPropertyName("tolerance")] public required Tolerance Tolerance { get; init; }

    /// <summary>Where the inputs came from: a path, or "generated (seed S)".</summary>
    [JsonPropertyName("inputs")] public required string Inputs { get; init; }

    [JsonPropertyName("samples")] public required int Samples { get; init; }

    /// <summary>True when every output passed.</summary>
    [JsonPropertyName("passed")] public bool Passed => Outputs.All(o => o.Passed);

    /// <summary>Mean wall time of one reference run, in milliseconds.</summary>
    [JsonPropertyName("referenceMs")] public double ReferenceMs { get; init; }

    /// <summary>Mean wall time of one candidate run, in milliseconds.</summary>
    [JsonPropertyName("candidateMs")] public double CandidateMs { get; init; }

    [JsonPropertyName("outputs")] public required IReadOnlyList<OutputComparison> Outputs { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ReportJson.Options);
}

/// <summary>JSON settings shared by the reports: indented, camelCase, named floating-point literals allowed.</summary>
public static class ReportJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };
}

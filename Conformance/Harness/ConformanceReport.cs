using System.Text.Json;
using System.Text.Json.Serialization;

namespace Onnxc.Conformance;

/// <summary>How a conformance test ended.</summary>
public enum ConformanceOutcome
{
    /// <summary>The round-tripped model reproduces the reference outputs.</summary>
    Pass,
    /// <summary>ONNX Runtime cannot load or run the original model, or disagrees with the reference: the test says nothing about onnxc.</summary>
    OrtCannotRun,
    /// <summary>ORT runs the original correctly but the round-tripped model fails to export, load, run or match.</summary>
    Fail,
}

/// <summary>One test's result. JSON: test, outcome ("pass" | "ort-cannot-run" | "fail"), reason, flags, exactMatchWithOriginal, wallMs.</summary>
public sealed record ConformanceTestResult
{
    [JsonPropertyName("test")] public required string Test { get; init; }

    [JsonPropertyName("outcome")] public required ConformanceOutcome Outcome { get; init; }

    /// <summary>Why it is not a pass (ORT's message, the stage that failed, the first mismatch); null on pass.</summary>
    [JsonPropertyName("reason")] public string? Reason { get; init; }

    [JsonPropertyName("flags")] public IReadOnlyList<string> Flags { get; init; } = Array.Empty<string>();

    /// <summary>Whether the round-tripped model's outputs are bit-identical to the original model's in ORT; null when not run.</summary>
    [JsonPropertyName("exactMatchWithOriginal")] public bool? ExactMatchWithOriginal { get; init; }

    [JsonPropertyName("wallMs")] public double WallMs { get; init; }
}

/// <summary>
/// Result of a conformance run. JSON: root, optimizationLevel, total, pass, ortCannotRun, fail, exactMatches,
/// wallMs, tests[] (see <see cref="ConformanceTestResult"/>).
/// </summary>
public sealed record ConformanceReport
{
    [JsonPropertyName("root")] public required string Root { get; init; }

    [JsonPropertyName("optimizationLevel")] public required OrtOptimizationLevel OptimizationLevel { get; init; }

    [JsonPropertyName("tests")] public required IReadOnlyList<ConformanceTestResult> Tests { get; init; }

    [JsonPropertyName("wallMs")] public double WallMs { get; init; }

    [JsonPropertyName("total")] public int Total => Tests.Count;

    [JsonPropertyName("pass")] public int Passed => Count(ConformanceOutcome.Pass);

    [JsonPropertyName("ortCannotRun")] public int OrtCannotRun => Count(ConformanceOutcome.OrtCannotRun);

    [JsonPropertyName("fail")] public int Failed => Count(ConformanceOutcome.Fail);

    /// <summary>Passing tests whose round-tripped outputs equal the original's bit for bit.</summary>
    [JsonPropertyName("exactMatches")] public int ExactMatches => Tests.Count(t => t.ExactMatchWithOriginal == true);

    public int Count(ConformanceOutcome outcome) => Tests.Count(t => t.Outcome == outcome);

    /// <summary>One line: "412 tests: 380 pass, 32 ort-cannot-run, 0 fail (375 bit-identical) in 41.2 s".</summary>
    public string Summary() =>
        $"{Total} tests: {Passed} pass, {OrtCannotRun} ort-cannot-run, {Failed} fail ({ExactMatches} bit-identical to original) in {WallMs / 1000:0.0} s";

    public string ToJson() => JsonSerializer.Serialize(this, ReportJson.Options);

    /// <summary>Writes <see cref="ToJson"/> to a file (the CLI's --json FILE).</summary>
    public void WriteJson(string path) => File.WriteAllText(path, ToJson());
}

using System.Diagnostics;
using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>Runs a reference and a candidate model on the same inputs and compares their outputs by name.</summary>
public static class ModelVerifier
{
    /// <summary>
    /// Verifies <paramref name="candidatePath"/> against <paramref name="referencePath"/>. Throws ONNXC0702 when the
    /// candidate lacks an output of the reference, ONNXC0701 when either model cannot load or run.
    /// </summary>
    public static VerifyReport Verify(string referencePath, string candidatePath, VerifyOptions? options = null)
    {
        options ??= new VerifyOptions();
        using var reference = new OrtRunner(referencePath, options.Runner);
        using var candidate = new OrtRunner(candidatePath, options.Runner);
        foreach (var output in reference.Outputs)
        {
            if (candidate.Outputs.All(o => o.Name != output.Name))
            {
                throw new OnnxcException(DiagnosticIds.OutputMismatch, $"candidate '{candidatePath}' has no output '{output.Name}'",
                    hint: "candidate outputs are " + string.Join(", ", candidate.Outputs.Select(o => o.Name)));
            }
        }
        foreach (var input in candidate.Inputs)
        {
            if (!input.IsOptional && reference.Inputs.All(i => i.Name != input.Name))
            {
                throw new OnnxcException(DiagnosticIds.InputData, $"candidate '{candidatePath}' needs input '{input.Name}', which the reference does not have");
            }
        }

        var samples = options.InputsPath is { } path
            ? InputSet.Load(path, reference.Inputs)
            : InputGenerator.Generate(reference.Inputs, options.Samples, options.Seed, options.Dims, WithIdRanges(options.Generator, referencePath));
        var accumulators = reference.Outputs.Select(o => new ComparisonAccumulator(o.Name, options.Tolerance)).ToArray();
        var referenceTime = TimeSpan.Zero;
        var candidateTime = TimeSpan.Zero;
        foreach (var sample in samples)
        {
            var start = Stopwatch.GetTimestamp();
            var expected = reference.Run(sample);
            referenceTime += Stopwatch.GetElapsedTime(start);
            var candidateFeed = candidate.Inputs.Where(i => sample.ContainsKey(i.Name)).ToDictionary(i => i.Name, i => sample[i.Name]);
            start = Stopwatch.GetTimestamp();
            var actual = candidate.Run(candidateFeed);
            candidateTime += Stopwatch.GetElapsedTime(start);
            for (int i = 0; i < expected.Count; i++)
            {
                accumulators[i].Add(expected[i].Value, actual.First(a => a.Name == expected[i].Name).Value);
            }
        }
        int n = Math.Max(1, samples.Count);
        return new VerifyReport
        {
            Reference = referencePath,
            Candidate = candidatePath,
            Tolerance = options.Tolerance,
            Inputs = options.InputsPath ?? $"generated (seed {options.Seed})",
            Samples = samples.Count,
            ReferenceMs = referenceTime.TotalMilliseconds / n,
            CandidateMs = candidateTime.TotalMilliseconds / n,
            Outputs = accumulators.Select(a => a.Result()).ToArray(),
        };
    }

    /// <summary>
    /// Adds token-id ranges read from the reference model (Gather on an embedding table) unless the caller gave
    /// ranges; a model the importer cannot read just gets the default range.
    /// </summary>
    private static GeneratorOptions WithIdRanges(GeneratorOptions generator, string referencePath)
    {
        if (generator.IntegerUpperBounds.Count > 0) return generator;
        try
        {
            using var model = Backends.Onnx.OnnxImporter.Load(referencePath);
            return generator with { IntegerUpperBounds = GenerationHints.EmbeddingUpperBounds(model) };
        }
        catch (OnnxcException)
        {
            return generator;
        }
    }
}

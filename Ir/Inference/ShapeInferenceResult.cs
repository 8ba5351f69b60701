namespace Onnxc.Ir.Inference;

/// <summary>What a shape inference run did: how many values it typed or refined, and the conflicts it found.</summary>
public sealed record ShapeInferenceResult(
    int ValuesTyped,
    int ValuesRefined,
    IReadOnlyList<Diagnostic> Diagnostics,
    IReadOnlyCollection<string> OpsWithoutRule)
{
    /// <summary>Whether any value got a type it did not have or a more specific one.</summary>
    public bool Changed => ValuesTyped + ValuesRefined > 0;
}

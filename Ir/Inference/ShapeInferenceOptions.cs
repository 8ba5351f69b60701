namespace Onnxc.Ir.Inference;

/// <summary>Knobs for <see cref="ShapeInference.Run"/>.</summary>
public sealed record ShapeInferenceOptions
{
    /// <summary>Largest tensor (in elements) whose contents the constant evaluator tracks for shape arithmetic.</summary>
    public int MaxConstantElements { get; init; } = ConstantValues.DefaultMaxElements;

    /// <summary>Opset assumed for the default domain when the model imports none (hand-built graphs).</summary>
    public long DefaultOpset { get; init; } = 21;
}

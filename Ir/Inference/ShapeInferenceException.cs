namespace Onnxc.Ir.Inference;

/// <summary>
/// Thrown by an op rule when a node's inputs contradict the operator's contract (MatMul inner dims 3 vs 4).
/// The driver turns it into a ShapeMismatch diagnostic; it never escapes <see cref="ShapeInference.Run"/>.
/// </summary>
public sealed class ShapeInferenceException(string message) : Exception(message);

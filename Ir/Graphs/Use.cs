namespace Onnxc.Ir;

/// <summary>One place a value is read: input <paramref name="InputIndex"/> of <paramref name="Node"/>.</summary>
public readonly record struct Use(Node Node, int InputIndex);

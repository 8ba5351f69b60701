namespace Onnxc.Ir;

/// <summary>The type of a value: tensor, sparse tensor, sequence, map or optional (ONNX TypeProto).</summary>
public abstract record IrType
{
    /// <summary>ONNX type denotation, kept so it round-trips.</summary>
    public string? Denotation { get; init; }
}

/// <summary>A dense tensor; <see cref="Shape"/> is null when the rank is unknown.</summary>
public sealed record TensorType(DataType ElementType, Shape? Shape) : IrType
{
    public override string ToString() => Shape is null ? ElementType.ShortName() : ElementType.ShortName() + Shape;
}

public sealed record SparseTensorType(DataType ElementType, Shape? Shape) : IrType
{
    public override string ToString() => "sparse<" + ElementType.ShortName() + (Shape?.ToString() ?? "") + ">";
}

public sealed record SequenceType(IrType? ElementType) : IrType
{
    public override string ToString() => $"seq<{ElementType?.ToString() ?? "?"}>";
}

public sealed record MapType(DataType KeyType, IrType? ValueType) : IrType
{
    public override string ToString() => $"map<{KeyType.ShortName()},{ValueType?.ToString() ?? "?"}>";
}

public sealed record OptionalType(IrType? ElementType) : IrType
{
    public override string ToString() => $"optional<{ElementType?.ToString() ?? "?"}>";
}

/// <summary>ONNX's opaque type: a domain and a name, carried through unchanged.</summary>
public sealed record OpaqueType(string Domain, string Name) : IrType
{
    public override string ToString() => $"opaque<{Domain},{Name}>";
}

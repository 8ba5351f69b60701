using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>
/// A value fed to or produced by a model run: a tensor or a sequence. An optional value that holds nothing is
/// represented by a null <see cref="RuntimeValue"/> reference, one that holds something by its content.
/// </summary>
public abstract record RuntimeValue
{
    public static implicit operator RuntimeValue(Tensor tensor) => new TensorValue(tensor);

    /// <summary>Short description for messages: "f32[2,3]" or "seq(3 x f32[2])".</summary>
    public abstract string Describe();
}

/// <summary>A tensor value (dense or string).</summary>
public sealed record TensorValue(Tensor Tensor) : RuntimeValue
{
    public override string Describe() => $"{Tensor.ElementType.ShortName()}[{string.Join(",", Tensor.Dims)}]";
}

/// <summary>A sequence of values (ONNX seq(...)); elements are usually tensors.</summary>
public sealed record SequenceValue(IReadOnlyList<RuntimeValue> Elements) : RuntimeValue
{
    public override string Describe() =>
        Elements.Count == 0 ? "seq(empty)" : $"seq({Elements.Count} x {Elements[0].Describe()})";
}

/// <summary>A value with its graph name, in model order.</summary>
public sealed record NamedValue(string Name, RuntimeValue? Value);

/// <summary>A graph input or output as the runtime sees it: name and type (symbolic dims kept).</summary>
public sealed record ModelPort(string Name, IrType Type)
{
    /// <summary>Whether the port is an ONNX optional, which may be fed nothing.</summary>
    public bool IsOptional => Type is OptionalType;
}

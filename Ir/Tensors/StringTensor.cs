namespace Onnxc.Ir;

/// <summary>A tensor of strings; ONNX strings are byte strings, so they are kept as bytes.</summary>
public sealed class StringTensor : Tensor
{
    public StringTensor(IReadOnlyList<long> dims, IReadOnlyList<byte[]> strings) : base(DataType.String, dims)
    {
        if (strings.Count != ElementCount) throw new ArgumentException($"{strings.Count} strings do not fill shape [{string.Join(",", dims)}]");
        Strings = strings;
    }

    public IReadOnlyList<byte[]> Strings { get; }

    public override ReadOnlyMemory<byte> Bytes => throw new InvalidOperationException("a string tensor has no packed bytes; use Strings");

    public override void WriteTo(Stream stream) => throw new InvalidOperationException("string tensors cannot be stored as raw or external data");
}

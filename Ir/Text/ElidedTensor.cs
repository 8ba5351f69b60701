namespace Onnxc.Ir.Text;

/// <summary>
/// A tensor whose values the text form left out (printed as a digest such as &lt;external "w.bin" offset 0&gt;).
/// The parser creates it so large models still parse; it keeps type and shape, and reading its bytes throws.
/// </summary>
public sealed class ElidedTensor : Tensor
{
    public ElidedTensor(DataType elementType, IReadOnlyList<long> dims, string description) : base(elementType, dims) =>
        Description = description;

    /// <summary>The digest text between the angle brackets, printed back unchanged.</summary>
    public string Description { get; }

    public override ReadOnlyMemory<byte> Bytes =>
        throw new InvalidOperationException($"the values of this {ElementType.ShortName()}[{string.Join(",", Dims)}] tensor were elided in the text form (<{Description}>)");
}

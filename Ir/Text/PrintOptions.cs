namespace Onnxc.Ir.Text;

/// <summary>Choices for <see cref="IrPrinter"/>.</summary>
public sealed record PrintOptions
{
    /// <summary>Tensors with at most this many elements print their values (and parse back); larger ones print a digest.</summary>
    public int InlineLimit { get; init; } = 32;

    public static PrintOptions Default { get; } = new();

    /// <summary>Prints every tensor's values, so the text parses back to an equal model.</summary>
    public static PrintOptions Full { get; } = new() { InlineLimit = int.MaxValue };
}

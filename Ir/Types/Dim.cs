namespace Onnxc.Ir;

/// <summary>One dimension of a shape: a known size, a named symbol ("batch"), or unknown.</summary>
public sealed record Dim
{
    private Dim(long? value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    /// <summary>The size when it is known.</summary>
    public long? Value { get; }

    /// <summary>The symbol (ONNX dim_param) when the size is named but not known.</summary>
    public string? Symbol { get; }

    public bool IsStatic => Value.HasValue;

    public static Dim Of(long value) => new(value, null);

    public static Dim Named(string symbol) => new(null, symbol);

    public static readonly Dim Unknown = new(null, null);

    public static implicit operator Dim(long value) => Of(value);

    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}

namespace Onnxc.Ir.Text;

/// <summary>
/// Parses the text form written by <see cref="IrPrinter"/> (docs/text-form.md). Errors throw
/// <see cref="OnnxcException"/> with id ONNXC0501 and a "line:column: expected ..." message.
/// </summary>
public static class IrParser
{
    /// <summary>Parses "model { ... }" followed by the main graph and any functions.</summary>
    public static Model ParseModel(string text) => new TextParser(text).ParseModelDocument();

    /// <summary>Parses a single "graph name (inputs) { ... }".</summary>
    public static Graph ParseGraph(string text) => new TextParser(text).ParseGraphDocument();
}

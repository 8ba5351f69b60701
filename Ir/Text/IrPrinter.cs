namespace Onnxc.Ir.Text;

/// <summary>
/// Prints the IR in its text form (docs/text-form.md): readable, stable for golden tests, and parsed back by
/// <see cref="IrParser"/>. Tensors larger than <see cref="PrintOptions.InlineLimit"/> print as a digest.
/// </summary>
public static class IrPrinter
{
    /// <summary>The model header, main graph and model-local functions.</summary>
    public static string Print(Model model, PrintOptions? options = null)
    {
        var printer = new TextPrinter(options ?? PrintOptions.Default);
        printer.WriteModel(model);
        return printer.ToString();
    }

    /// <summary>One graph; values of enclosing graphs it reads print as names the text does not define.</summary>
    public static string Print(Graph graph, PrintOptions? options = null)
    {
        var printer = new TextPrinter(options ?? PrintOptions.Default);
        printer.WriteTopGraph(graph);
        return printer.ToString();
    }

    public static string Print(Function function, PrintOptions? options = null)
    {
        var printer = new TextPrinter(options ?? PrintOptions.Default);
        printer.WriteFunction(function);
        return printer.ToString();
    }

    /// <summary>One node as its line (with nested subgraphs), for error messages.</summary>
    public static string Print(Node node, PrintOptions? options = null)
    {
        var printer = new TextPrinter(options ?? PrintOptions.Default);
        printer.WriteNodeLine(node);
        return printer.ToString().TrimEnd('\n');
    }

    /// <summary>A type as written after "%x:" ("f32[batch,128,?]", "seq&lt;i64[]&gt;"); "?" for an unknown type.</summary>
    public static string Print(IrType? type) => TextPrinter.FormatType(type);
}

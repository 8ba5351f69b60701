using Onnxc.Backends.Onnx;
using Onnxc.Ir;
using Onnxc.Ir.Text;
using Onnxc.Ir.Validation;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Text;

/// <summary>
/// Imported models print, parse and print again to the same text and an equal model: every 20th conformance
/// model (a spread over all operators) and every real model in ../shared/models, all tensors printed inline.
/// </summary>
public class ImportedModelTextRoundTripTests
{
    private const string Absent = "(../shared absent)";

    public static TheoryData<string> Models()
    {
        var data = new TheoryData<string>();
        if (SharedData.Root is not { } root)
        {
            data.Add(Absent);
            return data;
        }
        var conformance = Directory.EnumerateFiles(Path.Combine(root, "conformance"), "model.onnx", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .Where((_, i) => i % 20 == 0);
        var models = Directory.EnumerateFiles(Path.Combine(root, "models"), "*.onnx", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
        foreach (var path in conformance.Concat(models)) data.Add(path);
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Print_parse_print_is_stable(string relative)
    {
        var path = SharedData.RequireOrSkip(relative == Absent ? "conformance" : relative);
        using var model = OnnxImporter.Load(path);
        Assert.DoesNotContain(IrVerifier.Verify(model), d => d.Severity == Severity.Error);

        var text = IrPrinter.Print(model, PrintOptions.Full);
        using var parsed = IrParser.ParseModel(text);

        Assert.Null(GraphComparer.Compare(model, parsed));
        Assert.Equal(text, IrPrinter.Print(parsed, PrintOptions.Full));
        Assert.DoesNotContain(IrVerifier.Verify(parsed), d => d.Severity == Severity.Error);
    }
}

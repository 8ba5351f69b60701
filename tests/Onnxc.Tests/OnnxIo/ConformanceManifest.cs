using Onnxc.Ir;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.OnnxIo;

/// <summary>Rows of ../shared/conformance/manifest.tsv and a parser for its type strings ("seq(tensor(float))").</summary>
internal static class ConformanceManifest
{
    public sealed record Row(string Test, string[] Inputs, string[] Outputs, string[] Flags);

    public static IReadOnlyList<Row> Rows(string root)
    {
        return File.ReadLines(Path.Combine(root, "manifest.tsv")).Skip(1).Select(line => line.Split('\t'))
            .Select(c => new Row(c[0], Split(c[4]), Split(c[5]), c[6] == "-" ? Array.Empty<string>() : c[6].Split(',')))
            .ToList();
    }

    /// <summary>The default-run subset: every 10th test plus every test with a flag that stresses the importer.</summary>
    public static IEnumerable<string> CheapSubset()
    {
        var root = SharedData.Root;
        if (root is null || !File.Exists(Path.Combine(root, "conformance", "manifest.tsv"))) return new[] { "(shared data missing)" };
        string[] interesting = { "subgraph", "sequence", "optional", "string", "int4", "int2", "float8", "float4", "initializers", "domain_ml", "domain_training", "bfloat16" };
        return Rows(Path.Combine(root, "conformance")).Where((r, i) => i % 10 == 0 || r.Flags.Any(interesting.Contains)).Select(r => r.Test);
    }

    public static IrType ParseType(string text)
    {
        int at = 0;
        var type = Parse(text, ref at);
        return at == text.Length ? type : throw new FormatException($"trailing text in type '{text}'");
    }

    private static IrType Parse(string text, ref int at)
    {
        int open = text.IndexOf('(', at);
        var head = text[at..open];
        at = open + 1;
        IrType result;
        if (head == "tensor")
        {
            int close = text.IndexOf(')', at);
            var element = text[at..close] switch
            {
                "float" => DataType.Float, "double" => DataType.Double, "string" => DataType.String, var other => DataType.Undefined,
            };
            result = new TensorType(element, null);
            at = close;
        }
        else
        {
            var inner = Parse(text, ref at);
            result = head switch
            {
                "seq" => new SequenceType(inner),
                "optional" => new OptionalType(inner),
                _ => throw new FormatException($"unknown type constructor '{head}'"),
            };
        }
        at++; // ')'
        return result;
    }

    private static string[] Split(string column) => column == "-" ? Array.Empty<string>() : column.Split(' ');
}

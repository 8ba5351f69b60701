using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>Which default-domain opsets the samples can be written for, and the model header that goes with them.</summary>
public static class SampleOpsets
{
    public const int Min = 11;
    public const int Max = 21;
    public const int Default = 14;

    /// <summary>Throws a usage error when <paramref name="opset"/> is outside what the builders emit correctly.</summary>
    public static void Validate(int opset)
    {
        if (opset is < Min or > Max)
        {
            throw new OnnxcException(DiagnosticIds.Usage, $"sample models support opset {Min}..{Max}, not {opset}");
        }
    }

    /// <summary>Wraps a finished graph in a model: IR version matching the opset, producer "onnxc-samples".</summary>
    public static Model CreateModel(Graph graph, int opset)
    {
        var model = new Model(graph)
        {
            // IR 8 covers opsets up to 18 (ONNX 1.13; ORT reads it with older opsets too); 19–20 need IR 9 and 21 needs IR 10.
            IrVersion = opset <= 18 ? 8 : opset <= 20 ? 9 : 10,
            ProducerName = "onnxc-samples",
            ProducerVersion = "1",
        };
        model.OpsetImports.Add(new OpsetImport("", opset));
        return model;
    }

    /// <summary>A float tensor type with named (symbolic) and fixed dimensions, e.g. ("batch", "sequence", 768).</summary>
    public static TensorType Tensor(DataType type, params object[] dims) => new(type, new Shape(dims.Select(d => d switch
    {
        string name => Dim.Named(name),
        int n => Dim.Of(n),
        long n => Dim.Of(n),
        _ => throw new ArgumentException($"dimension {d} is neither a name nor a size"),
    })));

    internal static void Require(bool condition, string message)
    {
        if (!condition) throw new OnnxcException(DiagnosticIds.Usage, message);
    }
}

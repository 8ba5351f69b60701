using Onnxc.Backends.Onnx;

namespace Onnxc.Conformance;

/// <summary>The default round trip of the conformance harness: ONNX file → IR → ONNX file, no passes in between.</summary>
public static class IrRoundTrip
{
    /// <summary>Imports <paramref name="modelPath"/> into the IR and exports it to <paramref name="outputPath"/>.</summary>
    public static void Run(string modelPath, string outputPath)
    {
        using var model = OnnxImporter.Load(modelPath);
        OnnxExporter.Save(model, outputPath);
    }
}

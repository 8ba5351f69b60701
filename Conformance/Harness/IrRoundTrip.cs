namespace Onnxc.Conformance;

/// <summary>The default round trip of the conformance harness: ONNX file → IR → ONNX file.</summary>
public static class IrRoundTrip
{
    /// <summary>Imports <paramref name="modelPath"/> into the IR and exports it to <paramref name="outputPath"/>.</summary>
    public static void Run(string modelPath, string outputPath) =>
        throw new NotSupportedException("the ONNX importer/exporter is not in this build yet; pass ConformanceOptions.RoundTrip");
}

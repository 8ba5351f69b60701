using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>
/// Reads serialized TensorProto / SequenceProto / OptionalProto .pb files into runtime values. The one place that
/// depends on Backends/Onnx's tensor codec, so the rest of Conformance stays independent of protobuf.
/// </summary>
public static class ProtobufValueFiles
{
    /// <summary>Reads a .pb holding a value of <paramref name="type"/> (a tensor when the type is unknown).</summary>
    public static RuntimeValue? Read(string path, IrType? type)
    {
        if (!File.Exists(path)) throw new OnnxcException(DiagnosticIds.FileNotFound, $"input file '{path}' does not exist");
        throw new OnnxcException(DiagnosticIds.InputData, $"cannot read '{path}': TensorProto reading is not available yet in this build");
    }
}

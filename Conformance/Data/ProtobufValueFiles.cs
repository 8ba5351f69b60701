using Onnxc.Backends.Onnx;
using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>
/// Reads serialized TensorProto / SequenceProto / OptionalProto .pb files into runtime values. The one place that
/// depends on Backends/Onnx's test-data reader, so the rest of Conformance stays independent of protobuf.
/// </summary>
public static class ProtobufValueFiles
{
    /// <summary>Reads a .pb holding a value of <paramref name="type"/> (a tensor when the type is unknown).</summary>
    public static RuntimeValue? Read(string path, IrType? type) =>
        type is null or TensorType ? new TensorValue(TensorFiles.ReadTensor(path)) : FromObject(TensorFiles.ReadValue(path, type), path);

    /// <summary>Writes a tensor as a TensorProto .pb.</summary>
    public static void WriteTensor(Tensor tensor, string path) => TensorFiles.WriteTensor(tensor, path);

    private static RuntimeValue? FromObject(object? value, string path) => value switch
    {
        null => null,
        Tensor tensor => new TensorValue(tensor),
        IReadOnlyList<object?> items => new SequenceValue(items.Select(item => FromObject(item, path)
            ?? throw new OnnxcException(DiagnosticIds.InputData, $"'{path}' holds a sequence with an empty element")).ToArray()),
        _ => throw new OnnxcException(DiagnosticIds.InputData, $"'{path}' holds a {value.GetType().Name}, which onnxc cannot run"),
    };
}

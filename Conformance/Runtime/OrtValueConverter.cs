using System.Text;
using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using Onnxc.Ir;
using DenseTensor = Onnxc.Ir.DenseTensor;
using Tensor = Onnxc.Ir.Tensor;

namespace Onnxc.Conformance;

/// <summary>
/// Converts between IR values and ONNX Runtime OrtValues. The IR's DataType numbers equal ORT's element type
/// numbers, so dense tensors are a byte copy; only the element types ORT's C# API registers can cross.
/// </summary>
internal static class OrtValueConverter
{
    /// <summary>Element types ORT 1.31's C# API can hold; float8, 4-bit, 2-bit and float4 are not registered there.</summary>
    public static bool IsSupported(DataType type) => type is DataType.Float or DataType.Double or DataType.Float16
        or DataType.BFloat16 or DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64 or DataType.UInt8
        or DataType.UInt16 or DataType.UInt32 or DataType.UInt64 or DataType.Bool or DataType.String;

    /// <summary>Creates an OrtValue owning a copy of <paramref name="value"/>; the caller disposes it.</summary>
    public static OrtValue ToOrtValue(RuntimeValue value) => value switch
    {
        TensorValue t => FromTensor(t.Tensor),
        SequenceValue s => FromSequence(s),
        _ => throw new NotSupportedException($"cannot feed {value.Describe()} to ONNX Runtime"),
    };

    private static OrtValue FromTensor(Tensor tensor)
    {
        RequireSupported(tensor.ElementType);
        var dims = tensor.Dims.ToArray();
        if (tensor is StringTensor strings)
        {
            var ortStrings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, dims);
            for (int i = 0; i < strings.Strings.Count; i++) ortStrings.StringTensorSetElementAt(strings.Strings[i].AsSpan(), i);
            return ortStrings;
        }
        var ort = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)tensor.ElementType, dims);
        try
        {
            if (tensor.ByteLength > 0) tensor.Bytes.Span.CopyTo(ort.GetTensorMutableRawData());
            return ort;
        }
        catch
        {
            ort.Dispose();
            throw;
        }
    }

    private static OrtValue FromSequence(SequenceValue sequence)
    {
        if (sequence.Elements.Count == 0)
        {
            throw new NotSupportedException("ONNX Runtime's C# API cannot create an empty sequence (it has no element type to give it)");
        }
        var elements = new List<OrtValue>(sequence.Elements.Count);
        try
        {
            foreach (var element in sequence.Elements) elements.Add(ToOrtValue(element));
            // Native values are reference counted: the sequence keeps its own references, so ours are released below.
            return OrtValue.CreateSequence(elements);
        }
        finally
        {
            foreach (var element in elements) element.Dispose();
        }
    }

    /// <summary>Copies an ORT output into IR form; null for an optional that holds nothing.</summary>
    public static RuntimeValue? FromOrtValue(OrtValue value)
    {
        switch (value.OnnxType)
        {
            case OnnxValueType.ONNX_TYPE_TENSOR:
                return new TensorValue(ToTensor(value));
            case OnnxValueType.ONNX_TYPE_SEQUENCE:
            {
                int count = value.GetValueCount();
                var elements = new List<RuntimeValue>(count);
                for (int i = 0; i < count; i++)
                {
                    using var element = value.GetValue(i, OrtAllocator.DefaultInstance);
                    elements.Add(FromOrtValue(element) ?? throw new NotSupportedException("sequence element holds no value"));
                }
                return new SequenceValue(elements);
            }
            case OnnxValueType.ONNX_TYPE_OPTIONAL:
            case OnnxValueType.ONNX_TYPE_UNKNOWN:
                // ORT hands back an unallocated value for an optional output that holds nothing.
                return null;
            default:
                throw new NotSupportedException($"ONNX Runtime produced a {value.OnnxType} value, which onnxc does not compare");
        }
    }

    private static Tensor ToTensor(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var type = (DataType)(int)info.ElementDataType;
        var dims = info.Shape;
        if (type == DataType.String)
        {
            var count = checked((int)info.ElementCount);
            var strings = new byte[count][];
            for (int i = 0; i < count; i++) strings[i] = Encoding.UTF8.GetBytes(value.GetStringElement(i));
            return new StringTensor(dims, strings);
        }
        RequireSupported(type);
        var bytes = type.ByteCount(info.ElementCount) == 0 ? Array.Empty<byte>() : value.GetTensorMutableRawData().ToArray();
        return new DenseTensor(type, dims, bytes);
    }

    private static void RequireSupported(DataType type)
    {
        if (!IsSupported(type))
        {
            throw new NotSupportedException($"ONNX Runtime's C# API has no {type.ShortName()} tensors");
        }
    }

    /// <summary>The IR type of a session input or output as ORT reports it (symbolic dims by name, -1 as unknown).</summary>
    public static IrType ToIrType(NodeMetadata metadata) => metadata.OnnxValueType switch
    {
        OnnxValueType.ONNX_TYPE_TENSOR => new TensorType((DataType)(int)metadata.ElementDataType, ToShape(metadata)),
        OnnxValueType.ONNX_TYPE_SEQUENCE => new SequenceType(ToIrType(metadata.AsSequenceMetadata().ElementMeta)),
        OnnxValueType.ONNX_TYPE_OPTIONAL => new OptionalType(ToIrType(metadata.AsOptionalMetadata().ElementMeta)),
        OnnxValueType.ONNX_TYPE_MAP => new MapType((DataType)(int)metadata.AsMapMetadata().KeyDataType, ToIrType(metadata.AsMapMetadata().ValueMetadata)),
        _ => new OpaqueType("", metadata.OnnxValueType.ToString()),
    };

    private static Shape ToShape(NodeMetadata metadata)
    {
        var dims = metadata.Dimensions;
        var symbols = metadata.SymbolicDimensions;
        return new Shape(dims.Select((d, i) =>
            d >= 0 ? Dim.Of(d) : i < symbols.Length && !string.IsNullOrEmpty(symbols[i]) ? Dim.Named(symbols[i]) : Dim.Unknown));
    }
}

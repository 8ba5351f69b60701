using System.Runtime.CompilerServices;
using Google.Protobuf;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx;

/// <summary>
/// What is left of a parsed message once the importer has taken (and cleared) the fields it interprets: fields the
/// IR does not model plus unknown fields. Kept as serialized bytes and merged back on export, so they round-trip.
/// A leftover tag with an interpreted field number means that field had the wrong wire type.
/// </summary>
internal static class ProtoResidual
{
    /// <summary>Leftover fields of IR objects that have no OpaqueFields list of their own (nodes, tensors).</summary>
    private static readonly ConditionalWeakTable<object, byte[]> Extras = new();

    /// <summary>Serializes the remainder of a message whose interpreted fields were cleared; null when nothing is left.</summary>
    public static byte[]? Take(IMessage cleared, string where, string diagnosticId, ReadOnlySpan<int> interpretedFields)
    {
        if (cleared.CalculateSize() == 0) return null;
        var bytes = cleared.ToByteArray();
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            if (interpretedFields.Contains(field))
            {
                throw new OnnxcException(diagnosticId,
                    $"{where}: field {field} of {cleared.Descriptor.Name} has wire type {WireFormat.GetTagWireType(tag)}, which does not match its declared type",
                    hint: "the file was written by a faulty or incompatible protobuf writer");
            }
            input.SkipLastField();
        }
        return bytes;
    }

    /// <summary>Whether serialized message bytes hold a field number the message type does not declare.</summary>
    public static bool HasUnknownFields(byte[] bytes, Google.Protobuf.Reflection.MessageDescriptor descriptor)
    {
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (descriptor.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag)) is null) return true;
            input.SkipLastField();
        }
        return false;
    }

    public static void Attach(object owner, byte[]? residual)
    {
        if (residual is not null) Extras.AddOrUpdate(owner, residual);
    }

    public static void MergeInto(object owner, IMessage target)
    {
        if (Extras.TryGetValue(owner, out var bytes)) target.MergeFrom(bytes);
    }
}

using System.Buffers;

namespace Onnxc.Backends.Onnx.Import;

/// <summary>
/// A serialized ModelProto with the large <c>raw_data</c> payloads of its main graph's initializers left out (the
/// skeleton), and where each payload lies in the file. Parsing the skeleton and pointing those tensors at a memory
/// mapping of the model file imports an inline model without copying its weights: protobuf would otherwise copy every
/// payload into a ByteString (a 440 MB BERT-base: 440 MB of copies and page faults, about a third of -O2's wall time).
/// Everything but the left-out payloads is copied byte for byte, so the parsed model is the same model.
/// </summary>
internal sealed class InlineTensorMap
{
    private const int ModelGraphField = 7;
    private const int GraphInitializerField = 5;
    private const int TensorRawDataField = 9;
    private const int TensorExternalDataField = 13;
    private const int TensorDataLocationField = 14;

    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private InlineTensorMap(byte[] skeleton, IReadOnlyList<Payload> payloads)
    {
        Skeleton = skeleton;
        Payloads = payloads;
    }

    /// <summary>The model's bytes without the payloads listed in <see cref="Payloads"/>.</summary>
    public byte[] Skeleton { get; }

    public IReadOnlyList<Payload> Payloads { get; }

    /// <summary>The raw_data of main-graph initializer number <paramref name="Initializer"/> is bytes [Offset, Offset + Length) of the file.</summary>
    public readonly record struct Payload(int Initializer, long Offset, int Length);

    /// <summary>
    /// The map of <paramref name="file"/>, leaving out payloads of at least <paramref name="minimumBytes"/>; null when
    /// there is none, or the bytes are not well-formed protobuf (the ordinary parser then reports the error).
    /// </summary>
    public static InlineTensorMap? Build(ReadOnlySpan<byte> file, int minimumBytes)
    {
        var payloads = new List<Payload>();
        var skeleton = new ArrayBufferWriter<byte>(64 * 1024);
        bool graphSeen = false;
        int position = 0;
        while (position < file.Length)
        {
            if (!TryReadField(file, ref position, out var field)) return null;
            if (field.Number == ModelGraphField && field.WireType == WireLengthDelimited)
            {
                // A repeated graph field would be merged by protobuf; leave such files to the ordinary parser.
                if (graphSeen) return null;
                graphSeen = true;
                var graph = new ArrayBufferWriter<byte>(64 * 1024);
                if (!CopyGraph(file, field.PayloadStart, field.End, minimumBytes, graph, payloads)) return null;
                WriteVarint(skeleton, field.Tag);
                WriteVarint(skeleton, (ulong)graph.WrittenCount);
                skeleton.Write(graph.WrittenSpan);
                continue;
            }
            skeleton.Write(file[field.Start..field.End]);
        }
        return payloads.Count == 0 ? null : new InlineTensorMap(skeleton.WrittenSpan.ToArray(), payloads);
    }

    private static bool CopyGraph(ReadOnlySpan<byte> file, int start, int end, int minimumBytes, ArrayBufferWriter<byte> output, List<Payload> payloads)
    {
        int position = start, initializer = 0;
        while (position < end)
        {
            if (!TryReadField(file[..end], ref position, out var field)) return false;
            if (field.Number == GraphInitializerField && field.WireType == WireLengthDelimited)
            {
                if (!CopyTensor(file, field, minimumBytes, initializer, output, payloads)) return false;
                initializer++;
                continue;
            }
            output.Write(file[field.Start..field.End]);
        }
        return true;
    }

    /// <summary>Copies one initializer, without its raw_data when that is the tensor's only, large, inline storage.</summary>
    private static bool CopyTensor(ReadOnlySpan<byte> file, Field tensor, int minimumBytes, int index, ArrayBufferWriter<byte> output, List<Payload> payloads)
    {
        int position = tensor.PayloadStart, rawDataFields = 0;
        Field rawData = default;
        bool external = false;
        while (position < tensor.End)
        {
            if (!TryReadField(file[..tensor.End], ref position, out var field)) return false;
            if (field.Number == TensorRawDataField && field.WireType == WireLengthDelimited)
            {
                rawDataFields++;
                rawData = field;
            }
            external |= field.Number is TensorExternalDataField or TensorDataLocationField;
        }
        // Several raw_data fields (the last wins) or external-data fields (the importer must see the conflict) are
        // rare and subtle: copy such a tensor as it is.
        int length = rawData.End - rawData.PayloadStart;
        if (rawDataFields != 1 || external || length < minimumBytes)
        {
            output.Write(file[tensor.Start..tensor.End]);
            return true;
        }
        WriteVarint(output, tensor.Tag);
        WriteVarint(output, (ulong)(tensor.End - tensor.PayloadStart - (rawData.End - rawData.Start)));
        output.Write(file[tensor.PayloadStart..rawData.Start]);
        output.Write(file[rawData.End..tensor.End]);
        payloads.Add(new Payload(index, rawData.PayloadStart, length));
        return true;
    }

    /// <summary>One field: its tag, where it starts and ends, and where a length-delimited payload starts.</summary>
    private readonly record struct Field(ulong Tag, int Start, int PayloadStart, int End)
    {
        public int Number => (int)(Tag >> 3);

        public int WireType => (int)(Tag & 7);
    }

    private static bool TryReadField(ReadOnlySpan<byte> bytes, ref int position, out Field field)
    {
        field = default;
        int start = position;
        if (!TryReadVarint(bytes, ref position, out var tag) || tag >> 3 == 0) return false;
        long end;
        switch ((int)(tag & 7))
        {
            case WireVarint:
                if (!TryReadVarint(bytes, ref position, out _)) return false;
                end = position;
                break;
            case WireFixed64:
                end = position + 8L;
                break;
            case WireFixed32:
                end = position + 4L;
                break;
            case WireLengthDelimited:
                if (!TryReadVarint(bytes, ref position, out var length) || length > int.MaxValue) return false;
                end = position + (long)length;
                break;
            default:
                // Groups (deprecated, never in ONNX files) and invalid wire types.
                return false;
        }
        if (end > bytes.Length) return false;
        field = new Field(tag, start, position, (int)end);
        position = (int)end;
        return true;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> bytes, ref int position, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length) return false;
            byte b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }

    private static void WriteVarint(ArrayBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(10);
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        output.Advance(n);
    }
}

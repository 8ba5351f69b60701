using Google.Protobuf;
using Onnxc.Backends.Onnx;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Backends.Onnx.Tensors;
using Onnxc.Ir;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.OnnxIo;

public class TensorProtoCodecTests
{
    private static Tensor Decode(TensorProto proto) => TensorProtoCodec.FromProto(proto, null, "'t'");

    private static TensorProto Proto(DataType type, params long[] dims)
    {
        var proto = new TensorProto { DataType = (int)type, Name = "t" };
        proto.Dims.AddRange(dims);
        return proto;
    }

    [Fact]
    public void Float16_bit_patterns_in_int32_data_decode_to_little_endian_halves()
    {
        var proto = Proto(DataType.Float16, 2);
        proto.Int32Data.Add(BitConverter.HalfToUInt16Bits((Half)1.5f));
        proto.Int32Data.Add(BitConverter.HalfToUInt16Bits((Half)(-2f)));
        Assert.Equal(new[] { (Half)1.5f, (Half)(-2f) }, Decode(proto).ToArray<Half>());
    }

    [Fact]
    public void Int4_packed_bytes_in_int32_data_stay_packed_low_nibble_first()
    {
        var proto = Proto(DataType.Int4, 3);
        proto.Int32Data.Add(0x21); // elements 1, 2
        proto.Int32Data.Add(0x0F); // element -1
        Assert.Equal(new byte[] { 0x21, 0x0F }, Decode(proto).Bytes.ToArray());
    }

    [Fact]
    public void Uint2_one_element_per_entry_is_packed_four_per_byte()
    {
        var proto = Proto(DataType.UInt2, 5);
        proto.Int32Data.Add(new[] { 1, 2, 3, 0, 3 });
        Assert.Equal(new byte[] { 0b00_11_10_01, 0b11 }, Decode(proto).Bytes.ToArray());
    }

    [Fact]
    public void Uint32_in_uint64_data_and_complex64_in_float_data_decode()
    {
        var u = Proto(DataType.UInt32, 2);
        u.Uint64Data.Add(new ulong[] { 7, uint.MaxValue });
        Assert.Equal(new uint[] { 7, uint.MaxValue }, Decode(u).ToArray<uint>());

        var c = Proto(DataType.Complex64, 1);
        c.FloatData.Add(new[] { 1f, -1f });
        Assert.Equal(new[] { 1f, -1f }, Decode(c).ToArray<float>());
    }

    [Fact]
    public void Bool_int8_and_float8_take_one_byte_per_int32_entry()
    {
        var b = Proto(DataType.Bool, 3);
        b.Int32Data.Add(new[] { 1, 0, 1 });
        Assert.Equal(new byte[] { 1, 0, 1 }, Decode(b).Bytes.ToArray());
        var i8 = Proto(DataType.Int8, 2);
        i8.Int32Data.Add(new[] { -1, 5 });
        Assert.Equal(new sbyte[] { -1, 5 }, Decode(i8).ToArray<sbyte>());
        var f8 = Proto(DataType.Float8E5M2, 1);
        f8.Int32Data.Add(0x3C);
        Assert.Equal(new byte[] { 0x3C }, Decode(f8).Bytes.ToArray());
    }

    [Fact]
    public void Raw_data_is_sliced_not_copied()
    {
        var proto = Proto(DataType.Float, 2);
        proto.RawData = ByteString.CopyFrom(new byte[8]);
        var tensor = Decode(proto);
        Assert.True(tensor.Bytes.Span.Overlaps(proto.RawData.Span));
    }

    [Fact]
    public void Zero_element_tensor_has_no_payload()
    {
        var tensor = Decode(Proto(DataType.Int64, 0, 3));
        Assert.Equal(0, tensor.ByteLength);
        Assert.Equal(new long[] { 0, 3 }, tensor.Dims);
    }

    [Fact]
    public void Strings_round_trip_through_string_data()
    {
        var tensor = new StringTensor(new long[] { 2 }, new[] { "a"u8.ToArray(), new byte[] { 0xFF, 0 } });
        var proto = TensorProtoCodec.ToProto(tensor, "s");
        Assert.False(proto.HasRawData);
        Assert.True(Decode(proto).ContentEquals(tensor));
    }

    [Theory]
    [InlineData(DataType.Float, 3, "raw_data")]
    [InlineData(DataType.Undefined, 0, "data_type")]
    public void Invalid_tensors_are_ONNXC0108_naming_the_tensor(DataType type, int rawBytes, string mention)
    {
        var proto = Proto(type, 1);
        proto.RawData = ByteString.CopyFrom(new byte[rawBytes]);
        var error = Assert.Throws<OnnxcException>(() => Decode(proto));
        Assert.Equal(DiagnosticIds.InvalidTensor, error.Diagnostic.Id);
        Assert.Contains("'t'", error.Message);
        Assert.Contains(mention, error.Message);
    }

    [Fact]
    public void Typed_field_with_wrong_count_is_ONNXC0108()
    {
        var proto = Proto(DataType.Int64, 3);
        proto.Int64Data.Add(1);
        var error = Assert.Throws<OnnxcException>(() => Decode(proto));
        Assert.Equal(DiagnosticIds.InvalidTensor, error.Diagnostic.Id);
        Assert.Contains("int64_data", error.Message);
    }

    [Fact]
    public void WriteTensor_then_ReadTensor_gives_the_same_tensor()
    {
        var dir = Directory.CreateTempSubdirectory("onnxc-tf-");
        try
        {
            var tensor = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
            var path = Path.Combine(dir.FullName, "x.pb");
            TensorFiles.WriteTensor(tensor, path);
            Assert.True(TensorFiles.ReadTensor(path).ContentEquals(tensor));

            var seqType = new SequenceType(new TensorType(DataType.Float, null));
            TensorFiles.WriteValue(new List<object?> { tensor, tensor }, seqType, path);
            var seq = Assert.IsAssignableFrom<IReadOnlyList<object?>>(TensorFiles.ReadValue(path, seqType));
            Assert.Equal(2, seq.Count);

            var optType = new OptionalType(new TensorType(DataType.Float, null));
            TensorFiles.WriteValue(null, optType, path);
            Assert.Null(TensorFiles.ReadValue(path, optType));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    public static TheoryData<string> CheapTests() => new(ConformanceManifest.CheapSubset());

    [Theory]
    [MemberData(nameof(CheapTests))]
    public void Conformance_data_files_read_as_their_manifest_types(string test)
    {
        var root = SharedData.RequireOrSkip("conformance/manifest.tsv");
        var row = ConformanceManifest.Rows(Path.GetDirectoryName(root)!).Single(r => r.Test == test);
        var data = Path.Combine(Path.GetDirectoryName(root)!, test, "test_data_set_0");
        for (int i = 0; i < row.Inputs.Length; i++) Check(Path.Combine(data, $"input_{i}.pb"), row.Inputs[i]);
        for (int i = 0; i < row.Outputs.Length; i++) Check(Path.Combine(data, $"output_{i}.pb"), row.Outputs[i]);

        static void Check(string path, string typeText)
        {
            if (!File.Exists(path)) return; // inputs fed by initializers have no file
            var value = TensorFiles.ReadValue(path, ConformanceManifest.ParseType(typeText));
            if (value is Tensor t && t.ElementType != DataType.String) Assert.Equal(t.ByteLength, t.Bytes.Length);
            if (typeText.StartsWith("tensor", StringComparison.Ordinal)) Assert.IsAssignableFrom<Tensor>(value);
            if (typeText.StartsWith("seq", StringComparison.Ordinal)) Assert.IsAssignableFrom<IReadOnlyList<object?>>(value);
        }
    }
}

using System.Text;
using Onnxc.Conformance;
using Onnxc.Ir;

namespace Onnxc.Tests.Conformance;

public class NpyFormatTests
{
    public static TheoryData<DataType> NumpyTypes => new()
    {
        DataType.Float16, DataType.Float, DataType.Double, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64,
        DataType.UInt8, DataType.UInt16, DataType.UInt32, DataType.UInt64, DataType.Bool,
    };

    [Theory]
    [MemberData(nameof(NumpyTypes))]
    public void Write_then_read_keeps_type_shape_and_bytes(DataType type)
    {
        int width = type.BitWidth() / 8;
        var bytes = Enumerable.Range(0, 6 * width).Select(i => (byte)(type == DataType.Bool ? i % 2 : i * 7 + 1)).ToArray();
        var tensor = new DenseTensor(type, new long[] { 2, 3 }, bytes);
        using var stream = new MemoryStream();
        NpyFormat.Write(tensor, stream);
        Assert.Equal(0, (stream.Length - tensor.ByteLength) % 64);
        stream.Position = 0;
        var back = NpyFormat.Read(stream, "mem");
        Assert.True(tensor.ContentEquals(back));
    }

    [Fact]
    public void Reads_a_hand_written_numpy_file()
    {
        // What numpy.save writes for np.arange(6, dtype='<i4').reshape(2, 3) (format 1.0, header padded to 64 bytes).
        var dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";
        var header = dict.PadRight(64 - 10 - 1) + "\n";
        var file = new List<byte> { 0x93 };
        file.AddRange("NUMPY"u8.ToArray());
        file.AddRange(new byte[] { 1, 0, (byte)header.Length, 0 });
        file.AddRange(Encoding.ASCII.GetBytes(header));
        for (int i = 0; i < 6; i++) file.AddRange(BitConverter.GetBytes(i));

        var tensor = NpyFormat.Read(new MemoryStream(file.ToArray()), "arange.npy");

        Assert.Equal(DataType.Int32, tensor.ElementType);
        Assert.Equal(new long[] { 2, 3 }, tensor.Dims);
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, tensor.ToArray<int>());
    }

    [Fact]
    public void Fortran_order_is_a_clear_error()
    {
        var error = Assert.Throws<OnnxcException>(() => NpyFormat.Read(NpyBytes("<f4", "True", "(2, 3)", 24), "f.npy"));
        Assert.Equal(DiagnosticIds.InputData, error.Diagnostic.Id);
        Assert.Contains("Fortran order", error.Message);
    }

    [Fact]
    public void Big_endian_and_unknown_dtypes_are_errors()
    {
        Assert.Contains("big-endian", Assert.Throws<OnnxcException>(() => NpyFormat.Read(NpyBytes(">f4", "False", "(2,)", 8), "b.npy")).Message);
        Assert.Contains("c8", Assert.Throws<OnnxcException>(() => NpyFormat.Read(NpyBytes("<c8", "False", "(2,)", 16), "c.npy")).Message);
    }

    [Fact]
    public void Unicode_and_byte_strings_round_trip()
    {
        var text = new StringTensor(new long[] { 3 }, new[] { "a", "héllo", "" }.Select(Encoding.UTF8.GetBytes).ToArray());
        var binary = new StringTensor(new long[] { 2 }, new[] { new byte[] { 0xff, 0x01 }, new byte[] { 0x41 } });
        foreach (var tensor in new[] { text, binary })
        {
            using var stream = new MemoryStream();
            NpyFormat.Write(tensor, stream);
            stream.Position = 0;
            Assert.True(tensor.ContentEquals(NpyFormat.Read(stream, "s.npy")));
        }
    }

    [Fact]
    public void Npz_round_trips_and_maps_names_to_inputs()
    {
        var dir = Directory.CreateTempSubdirectory("onnxc-npz").FullName;
        try
        {
            var path = Path.Combine(dir, "inputs.npz");
            var x = Tensor.FromArray(new[] { 1f, 2f }, 2);
            var ids = Tensor.FromArray(new[] { 3L, 4L, 5L }, 1, 3);
            NpzFormat.Write(path, new[] { new KeyValuePair<string, Tensor>("x", x), new("input_ids", ids) });

            var arrays = NpzFormat.Read(path);
            Assert.Equal(new[] { "x", "input_ids" }, arrays.Select(a => a.Key));
            Assert.True(ids.ContentEquals(arrays[1].Value));

            var ports = new[] { new ModelPort("input_ids", new TensorType(DataType.Int64, null)), new ModelPort("x", new TensorType(DataType.Float, null)) };
            var sample = Assert.Single(InputSet.Load(path, ports));
            Assert.True(x.ContentEquals(((TensorValue)sample["x"]!).Tensor));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void InputSet_maps_npy_files_by_stem_and_reports_missing_inputs()
    {
        var dir = Directory.CreateTempSubdirectory("onnxc-npy").FullName;
        try
        {
            NpyFormat.Write(Tensor.FromArray(new[] { 1f }, 1), Path.Combine(dir, "a.npy"));
            var ports = new[] { new ModelPort("a", new TensorType(DataType.Float, null)), new ModelPort("b", new TensorType(DataType.Float, null)) };
            var error = Assert.Throws<OnnxcException>(() => InputSet.Load(dir, ports));
            Assert.Contains("'b'", error.Message);

            NpyFormat.Write(Tensor.FromArray(new[] { 2f }, 1), Path.Combine(dir, "input_1.npy"));
            var sample = Assert.Single(InputSet.Load(dir, ports));
            Assert.Equal(new[] { 2f }, ((TensorValue)sample["b"]!).Tensor.ToArray<float>());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static MemoryStream NpyBytes(string descr, string fortran, string shape, int dataBytes)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}".PadRight(117) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange(new byte[] { 1, 0, (byte)header.Length, 0 });
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(new byte[dataBytes]);
        return new MemoryStream(bytes.ToArray());
    }
}

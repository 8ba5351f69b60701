using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnxc.Backends.Onnx;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;

namespace Onnxc.Tests.OnnxIo;

/// <summary>
/// Large inline initializers are read through a memory mapping of the model file (no copy): the model must be the one
/// the ordinary protobuf parse gives, in every corner protobuf allows, and failures must read the same.
/// </summary>
public sealed class MappedInlineImportTests : IDisposable
{
    private static readonly ImportOptions Copying = new() { MapInlineTensorsOfAtLeast = int.MaxValue };

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("onnxc-mapped-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Write(byte[] bytes, string name = "model.onnx")
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Large_inline_weights_are_mapped_and_the_model_is_the_one_protobuf_parses()
    {
        var path = Write(TwoWeightModel().ToByteArray());
        using var mapped = OnnxImporter.Load(path);
        using var copied = OnnxImporter.Load(path, Copying);

        Assert.Equal(IrDump.Of(copied), IrDump.Of(mapped));
        Assert.Equal(OnnxExporter.ToBytes(copied), OnnxExporter.ToBytes(mapped));
        // The 256 KiB weight points into the mapping; the 64-byte bias was parsed (and copied) as usual.
        Assert.False(IsArrayBacked(Weight(mapped, "w")));
        Assert.True(IsArrayBacked(Weight(mapped, "b")));
        Assert.True(IsArrayBacked(Weight(copied, "w")));
    }

    [Fact]
    public void A_tensor_with_two_raw_data_fields_keeps_the_last_as_protobuf_does()
    {
        // Protobuf keeps the last occurrence of a bytes field: such a tensor is copied as it is, not mapped.
        var first = Floats(65536, 1f);
        var last = Floats(65536, 2f);
        var tensor = Concat(Tensor("w", first).ToByteArray(), LengthDelimited(9, last));
        var graph = Concat(WithoutInitializers().ToByteArray(), LengthDelimited(5, tensor));
        var path = Write(Concat(ModelWithoutGraph().ToByteArray(), LengthDelimited(7, graph)));

        using var mapped = OnnxImporter.Load(path);
        using var copied = OnnxImporter.Load(path, Copying);
        Assert.Equal(last, Weight(mapped, "w").Bytes.ToArray());
        Assert.Equal(OnnxExporter.ToBytes(copied), OnnxExporter.ToBytes(mapped));
    }

    [Fact]
    public void A_repeated_graph_field_is_merged_as_protobuf_merges_it()
    {
        var whole = TwoWeightModel();
        var split = new GraphProto();
        split.Initializer.Add(Tensor("extra", Floats(65536, 3f)));
        var bytes = Concat(whole.ToByteArray(), LengthDelimited(7, split.ToByteArray()));
        var path = Write(bytes);

        using var mapped = OnnxImporter.Load(path);
        using var copied = OnnxImporter.Load(path, Copying);
        Assert.Contains(mapped.Graph.Initializers, v => v.Name == "extra");
        Assert.Equal(OnnxExporter.ToBytes(copied), OnnxExporter.ToBytes(mapped));
    }

    [Fact]
    public void A_truncated_file_fails_with_the_error_the_ordinary_parse_gives()
    {
        var bytes = TwoWeightModel().ToByteArray();
        var path = Write(bytes[..(bytes.Length - 1000)]);

        var mapped = Assert.Throws<OnnxcException>(() => OnnxImporter.Load(path));
        var copied = Assert.Throws<OnnxcException>(() => OnnxImporter.Load(path, Copying));
        Assert.Equal(DiagnosticIds.MalformedProtobuf, mapped.Diagnostic.Id);
        Assert.Equal(copied.Diagnostic.Message, mapped.Diagnostic.Message);
    }

    [Fact]
    public void Saving_over_the_mapped_source_file_keeps_the_weights()
    {
        var path = Write(TwoWeightModel().ToByteArray());
        byte[] expected;
        using (var copied = OnnxImporter.Load(path, Copying)) expected = OnnxExporter.ToBytes(copied);

        using (var mapped = OnnxImporter.Load(path))
        {
            // The export replaces the file the weights are mapped from; they must still read the old bytes.
            OnnxExporter.Save(mapped, path);
            Assert.Equal(expected, OnnxExporter.ToBytes(mapped));
        }
        using var reloaded = OnnxImporter.Load(path);
        Assert.Equal(expected, OnnxExporter.ToBytes(reloaded));
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    private static ModelProto TwoWeightModel()
    {
        var model = ModelWithoutGraph();
        model.Graph = WithoutInitializers();
        model.Graph.Initializer.Add(Tensor("w", Floats(65536, 0.5f)));
        model.Graph.Initializer.Add(Tensor("b", Floats(16, -1f)));
        model.Graph.Node.Add(ProtoModels.Node("MatMul", new[] { "x", "w" }, new[] { "h" }, "matmul"));
        model.Graph.Node.Add(ProtoModels.Node("Add", new[] { "h", "b" }, new[] { "y" }, "add"));
        model.Graph.Output.Add(ProtoModels.Float("y", 1, 16));
        return model;
    }

    private static ModelProto ModelWithoutGraph()
    {
        var model = new ModelProto { IrVersion = 9, ProducerName = "test", DocString = "mapped import" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "origin", Value = "MappedInlineImportTests" });
        return model;
    }

    /// <summary>The graph's inputs, and the initializer-free part that the variants share.</summary>
    private static GraphProto WithoutInitializers()
    {
        var graph = new GraphProto { Name = "linear", DocString = "x · w + b" };
        graph.Input.Add(ProtoModels.Float("x", 1, 4096));
        return graph;
    }

    /// <summary>A float tensor: [16] for 16 values, [n / 16, 16] otherwise.</summary>
    private static TensorProto Tensor(string name, byte[] data)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Float, RawData = ByteString.CopyFrom(data) };
        int count = data.Length / 4;
        tensor.Dims.AddRange(count == 16 ? new long[] { 16 } : new long[] { count / 16, 16 });
        return tensor;
    }

    private static byte[] Floats(int count, float value) => MemoryMarshal.AsBytes(Enumerable.Repeat(value, count).ToArray().AsSpan()).ToArray();

    private static byte[] LengthDelimited(int field, byte[] payload)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(payload));
        output.Flush();
        return buffer.ToArray();
    }

    private static byte[] Concat(byte[] a, byte[] b) => a.Concat(b).ToArray();

    private static Tensor Weight(Model model, string name) => model.Graph.Initializers.Single(v => v.Name == name).Initializer!;

    private static bool IsArrayBacked(Tensor tensor) => MemoryMarshal.TryGetArray(tensor.Bytes, out _);
}

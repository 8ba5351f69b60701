using Google.Protobuf;
using Onnxc.Backends.Onnx;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.OnnxIo;

/// <summary>
/// Malformed models: each must throw <see cref="OnnxcException"/> with the expected id and a message naming the
/// node, value or file. Cases are built here in code (files written to a temp folder); the few committed files
/// in tests/Onnxc.Tests/Corpus/bad-inputs are named "&lt;id&gt;_&lt;case&gt;.onnx".
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("onnxc-bad-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>Case name → (expected id, text the message must contain, how to write the model folder).</summary>
    internal static readonly Dictionary<string, (string Id, string Mentions, Action<string> Write)> Cases = new()
    {
        ["empty file"] = (DiagnosticIds.EmptyFile, "empty", path => File.WriteAllBytes(path, Array.Empty<byte>())),
        ["truncated protobuf"] = (DiagnosticIds.MalformedProtobuf, "model.onnx", path =>
        {
            var bytes = ProtoModels.Chain().Bytes();
            File.WriteAllBytes(path, bytes[..(bytes.Length - 5)]);
        }),
        ["random bytes"] = (DiagnosticIds.MalformedProtobuf, "model.onnx", path =>
        {
            var bytes = new byte[4096];
            new Random(1234).NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
        }),
        ["wrong wire type"] = (DiagnosticIds.InvalidGraph, "node 'relu'", path =>
        {
            // NodeProto.op_type (field 4) written as a varint instead of a string; the node keeps its name.
            var model = ProtoModels.Chain();
            var node = model.Graph.Node[0];
            node.ClearOpType();
            var nodeBytes = node.ToByteArray().Concat(new byte[] { (4 << 3) | 0, 7 }).ToArray();
            node.OpType = "Relu";
            model.Graph.Node[0] = NodeProto.Parser.ParseFrom(nodeBytes);
            model.Graph.Node[0].OpType = "Relu";
            File.WriteAllBytes(path, model.Bytes());
        }),
        ["no graph"] = (DiagnosticIds.NoGraph, "no graph", path => File.WriteAllBytes(path, new ModelProto { IrVersion = 9 }.Bytes())),
        ["graph cycle"] = (DiagnosticIds.GraphCycle, "cycle", path =>
        {
            var model = ProtoModels.Chain();
            model.Graph.Node[0].Input[0] = "y"; // Relu reads Neg's output, Neg reads Relu's
            File.WriteAllBytes(path, model.Bytes());
        }),
        ["dangling value"] = (DiagnosticIds.UndefinedValue, "node 'neg' (Neg) of graph 'chain' reads 'nowhere'", path =>
        {
            var model = ProtoModels.Chain();
            model.Graph.Node[1].Input[0] = "nowhere";
            File.WriteAllBytes(path, model.Bytes());
        }),
        ["value defined twice"] = (DiagnosticIds.DuplicateValueName, "'r'", path =>
        {
            var model = ProtoModels.Chain();
            model.Graph.Node[1].Output[0] = "r";
            model.Graph.Output[0].Name = "r";
            File.WriteAllBytes(path, model.Bytes());
        }),
        ["duplicate output names"] = (DiagnosticIds.DuplicateOutputName, "'y'", path =>
        {
            var model = ProtoModels.Chain();
            model.Graph.Output.Add(ProtoModels.Float("y", 2));
            File.WriteAllBytes(path, model.Bytes());
        }),
        ["missing external data file"] = (DiagnosticIds.ExternalDataMissing, "weights.bin", path =>
            File.WriteAllBytes(path, ProtoModels.WithInitializer(ProtoModels.External("w", "weights.bin", 0, 2)).Bytes())),
        ["external data escapes with .."] = (DiagnosticIds.ExternalDataEscapes, "../outside.bin", path =>
            File.WriteAllBytes(path, ProtoModels.WithInitializer(ProtoModels.External("w", "../outside.bin", 0, 2)).Bytes())),
        ["external data absolute path"] = (DiagnosticIds.ExternalDataEscapes, "/etc/hostname", path =>
            File.WriteAllBytes(path, ProtoModels.WithInitializer(ProtoModels.External("w", "/etc/hostname", 0, 2)).Bytes())),
        ["external data symlink escape"] = (DiagnosticIds.ExternalDataEscapes, "link.bin", path =>
        {
            var outside = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(path)!)!, "outside-" + Guid.NewGuid().ToString("N") + ".bin");
            File.WriteAllBytes(outside, new byte[8]);
            File.CreateSymbolicLink(Path.Combine(Path.GetDirectoryName(path)!, "link.bin"), outside);
            File.WriteAllBytes(path, ProtoModels.WithInitializer(ProtoModels.External("w", "link.bin", 0, 2)).Bytes());
        }),
        ["external data out of range"] = (DiagnosticIds.ExternalDataOutOfRange, "short.bin", path =>
        {
            File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(path)!, "short.bin"), new byte[12]);
            File.WriteAllBytes(path, ProtoModels.WithInitializer(ProtoModels.External("w", "short.bin", 8, 2)).Bytes());
        }),
        ["opset missing"] = (DiagnosticIds.MissingOpsetImport, "Relu 'relu'", path =>
        {
            var model = ProtoModels.Chain();
            model.OpsetImport.Clear();
            File.WriteAllBytes(path, model.Bytes());
        }),
        ["unknown domain"] = (DiagnosticIds.UnknownDomain, "com.example", path =>
        {
            var model = ProtoModels.Chain();
            model.Graph.Node[1].Domain = "com.example";
            File.WriteAllBytes(path, model.Bytes());
        }),
        ["invalid tensor"] = (DiagnosticIds.InvalidTensor, "'w'", path =>
        {
            var w = new TensorProto { Name = "w", DataType = 1, RawData = ByteString.CopyFrom(new byte[7]) };
            w.Dims.Add(2);
            File.WriteAllBytes(path, ProtoModels.WithInitializer(w).Bytes());
        }),
        ["attribute without value"] = (DiagnosticIds.InvalidAttribute, "attribute 'alpha' of node 'relu'", path =>
        {
            var model = ProtoModels.Chain();
            model.Graph.Node[0].Attribute.Add(new AttributeProto { Name = "alpha" });
            File.WriteAllBytes(path, model.Bytes());
        }),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Malformed_model_is_rejected_with_a_precise_diagnostic(string name)
    {
        var (id, mentions, write) = Cases[name];
        var folder = Directory.CreateDirectory(Path.Combine(_dir.FullName, "model"));
        var path = Path.Combine(folder.FullName, "model.onnx");
        write(path);
        var error = Assert.Throws<OnnxcException>(() => OnnxImporter.Load(path));
        Assert.Equal(id, error.Diagnostic.Id);
        Assert.Contains(mentions, error.Message);
        Assert.NotNull(error.Diagnostic.Location);
    }

    [Fact]
    public void Missing_model_file_is_ONNXC0101()
    {
        var error = Assert.Throws<OnnxcException>(() => OnnxImporter.Load(Path.Combine(_dir.FullName, "absent.onnx")));
        Assert.Equal(DiagnosticIds.FileNotFound, error.Diagnostic.Id);
        Assert.Contains("absent.onnx", error.Message);
    }

    public static TheoryData<string> CorpusFiles()
    {
        var dir = Path.Combine(SharedData.ProjectRoot, "tests", "Onnxc.Tests", "Corpus", "bad-inputs");
        return new TheoryData<string>(Directory.EnumerateFiles(dir, "*.onnx").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Committed_bad_input_is_rejected_with_the_id_in_its_name(string file)
    {
        var path = Path.Combine(SharedData.ProjectRoot, "tests", "Onnxc.Tests", "Corpus", "bad-inputs", file);
        var error = Assert.Throws<OnnxcException>(() => OnnxImporter.Load(path));
        Assert.Equal(file.Split('_')[0], error.Diagnostic.Id);
        Assert.Equal(path, error.Diagnostic.Location);
    }
}

using Onnxc.Backends.Onnx;
using Onnxc.Ir;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.OnnxIo;

/// <summary>import → export → import → export gives identical bytes, and both imports give the same IR.</summary>
public class RoundTripTests
{
    public static TheoryData<string> CheapTests() => new(ConformanceManifest.CheapSubset());

    [Theory]
    [MemberData(nameof(CheapTests))]
    public void Conformance_model_round_trips(string test)
    {
        var conformance = SharedData.RequireOrSkip("conformance");
        AssertRoundTrips(Path.Combine(conformance, test, "model.onnx"));
    }

    /// <summary>Every conformance model; slow, so it runs only when asked for by name.</summary>
    [Fact(Explicit = true)]
    public void All_conformance_models_round_trip()
    {
        var conformance = SharedData.RequireOrSkip("conformance");
        var failures = new List<string>();
        foreach (var row in ConformanceManifest.Rows(conformance))
        {
            try
            {
                AssertRoundTrips(Path.Combine(conformance, row.Test, "model.onnx"));
            }
            catch (Exception e)
            {
                failures.Add($"{row.Test}: {e.Message.Split('\n')[0]}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    public static TheoryData<string> RealModels()
    {
        var root = SharedData.Root is { } r ? Path.Combine(r, "models") : null;
        if (root is null || !Directory.Exists(root)) return new TheoryData<string>("(shared data missing)");
        return new TheoryData<string>(Directory.EnumerateFiles(root, "*.onnx", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(RealModels))]
    public void Real_model_round_trips(string relative)
    {
        var models = SharedData.RequireOrSkip("models");
        AssertRoundTrips(Path.Combine(models, relative));
    }

    internal static void AssertRoundTrips(string path)
    {
        using var first = OnnxImporter.Load(path);
        var bytes1 = OnnxExporter.ToBytes(first);
        using var second = OnnxImporter.Load(bytes1, Path.GetDirectoryName(path));
        var bytes2 = OnnxExporter.ToBytes(second);
        Assert.Equal(IrDump.Of(first), IrDump.Of(second));
        Assert.True(bytes1.AsSpan().SequenceEqual(bytes2), $"second export of {path} differs from the first ({bytes1.Length} vs {bytes2.Length} bytes)");
        Assert.Equal(first.Graph.AllNodes().Count(), second.Graph.AllNodes().Count());

        // Fidelity against the original file: the interface, node and initializer counts survive.
        var original = Onnxc.Backends.Onnx.Protos.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var written = Onnxc.Backends.Onnx.Protos.ModelProto.Parser.ParseFrom(bytes1);
        Assert.Equal(original.Graph.Input.Select(i => i.Name), written.Graph.Input.Select(i => i.Name));
        Assert.Equal(original.Graph.Output.Select(o => o.Name), written.Graph.Output.Select(o => o.Name));
        Assert.Equal(original.Graph.Initializer.Select(i => i.Name).Order(), written.Graph.Initializer.Select(i => i.Name).Order());
        Assert.Equal(CountNodes(original.Graph), CountNodes(written.Graph));
        Assert.Equal(original.OpsetImport.Count, written.OpsetImport.Count);
        Assert.Equal(original.Functions.Count, written.Functions.Count);
    }

    private static int CountNodes(Onnxc.Backends.Onnx.Protos.GraphProto graph) =>
        graph.Node.Count + graph.Node.SelectMany(n => n.Attribute).Sum(a => (a.G is null ? 0 : CountNodes(a.G)) + a.Graphs.Sum(CountNodes));
}

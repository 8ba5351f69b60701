using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;

namespace Onnxc.Tests.OnnxIo;

/// <summary>Passes may leave two nodes with one name (ONNX Runtime refuses such a graph): export makes them unique.</summary>
public class ExportNodeNameTests
{
    [Fact]
    public void Repeated_node_names_get_a_suffix_and_ort_loads_the_model()
    {
        var graph = new Graph("names");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(2))));
        var a = graph.Append("Relu", new[] { x }, name: "same", outputHint: "a").Output(0);
        var b = graph.Append("Neg", new[] { a }, name: "same", outputHint: "b").Output(0);
        graph.AddOutput(b);
        using var model = new Model(graph) { IrVersion = 8 };
        model.EnsureOpset("", 14);
        var path = Path.Combine(Directory.CreateTempSubdirectory("onnxc-names-").FullName, "m.onnx");
        try
        {
            OnnxExporter.Save(model, path);
            using var loaded = OnnxImporter.Load(path);
            Assert.Equal(new[] { "same", "same_2" }, loaded.Graph.Nodes.Select(n => n.Name));
            using var runner = new OrtRunner(path);
            Assert.Single(runner.Outputs);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}

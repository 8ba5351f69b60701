using Onnxc.Conformance;
using Onnxc.Ir;

namespace Onnxc.Tests.Conformance;

public class InputGeneratorTests
{
    private static readonly ModelPort[] Ports =
    {
        new("input_ids", new TensorType(DataType.Int64, new Shape(new[] { Dim.Named("batch"), Dim.Named("seq") }))),
        new("attention_mask", new TensorType(DataType.Int64, new Shape(new[] { Dim.Named("batch"), Dim.Named("seq") }))),
        new("x", new TensorType(DataType.Float16, Shape.Of(4))),
        new("flag", new TensorType(DataType.Bool, Shape.Of(3))),
    };

    [Fact]
    public void Same_seed_same_values_and_hints_are_respected()
    {
        var dims = new Dictionary<string, long> { ["seq"] = 7 };
        var options = new GeneratorOptions { IntegerUpperBounds = new Dictionary<string, long> { ["input_ids"] = 3 } };
        var a = InputGenerator.Generate(Ports, 2, 42, dims, options);
        var b = InputGenerator.Generate(Ports, 2, 42, dims, options);

        var ids = ((TensorValue)a[0]["input_ids"]!).Tensor;
        Assert.Equal(new long[] { 1, 7 }, ids.Dims);
        Assert.All(ids.ToArray<long>(), v => Assert.InRange(v, 0, 2));
        Assert.All(((TensorValue)a[0]["attention_mask"]!).Tensor.ToArray<long>(), v => Assert.Equal(1, v));
        Assert.All(((TensorValue)a[0]["x"]!).Tensor.ToArray<Half>(), v => Assert.InRange((float)v, -1f, 1f));
        for (int s = 0; s < 2; s++)
        {
            foreach (var port in Ports) Assert.True(((TensorValue)a[s][port.Name]!).Tensor.ContentEquals(((TensorValue)b[s][port.Name]!).Tensor));
        }
        Assert.False(((TensorValue)a[0]["x"]!).Tensor.ContentEquals(((TensorValue)a[1]["x"]!).Tensor));
    }

    [Fact]
    public void Unbound_symbolic_dim_is_ONNXC0602_naming_it()
    {
        var error = Assert.Throws<OnnxcException>(() => InputGenerator.Generate(Ports, 1, 0, new Dictionary<string, long>()));
        Assert.Equal(DiagnosticIds.InputData, error.Diagnostic.Id);
        Assert.Contains("'seq'", error.Message);
        Assert.Contains("--dim seq=", error.Message);
    }

    [Fact]
    public void Unnamed_dims_are_bound_by_input_and_axis()
    {
        var port = new ModelPort("t", new TensorType(DataType.Float, new Shape(new[] { Dim.Unknown, Dim.Of(2) })));
        Assert.Contains("t:0", Assert.Throws<OnnxcException>(() => InputGenerator.Generate(new[] { port }, 1, 0, new Dictionary<string, long>())).Message);
        var sample = InputGenerator.Generate(new[] { port }, 1, 0, new Dictionary<string, long> { ["t:0"] = 5 })[0];
        Assert.Equal(new long[] { 5, 2 }, ((TensorValue)sample["t"]!).Tensor.Dims);
    }

    [Fact]
    public void Embedding_hint_is_the_gather_table_rows()
    {
        var graph = new Graph("g");
        var ids = graph.AddInput(new Value("ids", new TensorType(DataType.Int64, Shape.Of(1, 4))));
        var table = graph.AddInitializer("embed", Tensor.FromArray(new float[50 * 2], 50, 2));
        var cast = graph.Append("Cast", new[] { ids });
        var gather = graph.Append("Gather", new[] { table, cast.Output() });
        graph.AddOutput(gather.Output());
        var bounds = GenerationHints.EmbeddingUpperBounds(new Model(graph));
        Assert.Equal(50, bounds["ids"]);
    }

    [Fact]
    public void Embedding_hints_survive_the_embed_layer_norm_fusion()
    {
        // bert-tiny after -O2: its embedding Gathers are inside com.microsoft.EmbedLayerNormalization.
        using var model = Onnxc.Samples.SampleModels.Build("bert-tiny");
        var before = GenerationHints.EmbeddingUpperBounds(model);
        new Onnxc.Passes.PassManager(Onnxc.Passes.Pipelines.ForLevel(2)).Run(model, new Onnxc.Passes.PassContext());
        Assert.Contains(model.Graph.Nodes, n => n.Is("EmbedLayerNormalization", "com.microsoft"));

        var after = GenerationHints.EmbeddingUpperBounds(model);

        Assert.Equal(before["input_ids"], after["input_ids"]);
        Assert.Equal(before["token_type_ids"], after["token_type_ids"]);
    }
}

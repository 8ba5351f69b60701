using Onnxc.Ir;
using Onnxc.Ir.Text;
using Onnxc.Ir.Validation;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Text;

public class TextRoundTripTests
{
    private static string ReadCase(string name) =>
        File.ReadAllText(Path.Combine(SharedData.ProjectRoot, "tests", "Onnxc.Tests", "Text", name)).ReplaceLineEndings("\n");

    [Fact]
    public void Every_construct_prints_back_exactly_as_written()
    {
        var text = ReadCase("EveryConstruct.onnxtxt");
        var model = IrParser.ParseModel(text);
        Assert.Equal(text, IrPrinter.Print(model, PrintOptions.Full));
    }

    [Fact]
    public void Every_construct_parses_to_an_equal_and_valid_model()
    {
        var text = ReadCase("EveryConstruct.onnxtxt");
        var first = IrParser.ParseModel(text);
        var second = IrParser.ParseModel(IrPrinter.Print(first, PrintOptions.Full));
        Assert.Null(GraphComparer.Compare(first, second));
        Assert.DoesNotContain(IrVerifier.Verify(first), d => d.Severity == Severity.Error);
    }

    [Fact]
    public void Parsed_model_holds_what_the_text_says()
    {
        using var model = IrParser.ParseModel(ReadCase("EveryConstruct.onnxtxt"));
        Assert.Equal(7, model.ModelVersion);
        Assert.Equal(21, model.OpsetVersion());
        Assert.Equal("Every construct of the text form.\nSecond line with \"quotes\" and a tab\t.", model.DocString);
        var graph = model.Graph;
        var x = graph.Inputs[0];
        Assert.Equal(new TensorType(DataType.Float, new Shape([Dim.Named("batch"), Dim.Of(128), Dim.Unknown])), x.Type);
        Assert.Equal("the input", x.DocString);
        Assert.Equal(new TensorType(DataType.UInt8, new Shape([1, 3, Dim.Named("image height"), 224])) { Denotation = "IMAGE" }, graph.Inputs[6].Type);
        var w = graph.Inputs[^1];
        Assert.True(w.IsInitializer);
        Assert.Equal(new[] { 1.5f, -2f }, w.Initializer!.ToArray<float>());

        var split = graph.Nodes.Single(n => n.OpType == "Split");
        Assert.Equal("split/0", split.Name);
        Assert.Null(split.Inputs[1]);
        Assert.Equal(2, split.GetInt("axis", 0) + 1);
        Assert.Equal("com.microsoft", graph.Nodes.Single(n => n.OpType == "Attention").Domain);

        // Two values share the name "dup"; the printed "#1" only tells them apart.
        var relus = graph.Nodes.Where(n => n.OpType == "Relu").ToList();
        Assert.All(relus, r => Assert.Equal("dup", r.Output().Name));
        Assert.NotSame(relus[0].Output(), relus[1].Output());

        // Subgraphs read outer values as the very same Value objects.
        var q = split.Outputs[0];
        var ifNode = graph.Nodes.Single(n => n.OpType == "If");
        var thenBody = ifNode.GetAttribute("then_branch")!.AsGraph();
        Assert.Same(ifNode, thenBody.ParentNode);
        Assert.Same(q, thenBody.Nodes.First().Inputs[0]);
        var deep = thenBody.Nodes.Last().GetAttribute("else_branch")!.AsGraph();
        Assert.Same(split.Outputs[1], deep.Nodes.Single().Inputs[0]);
        Assert.Contains(q.Uses, u => u.Node.Graph == thenBody);

        var custom = graph.Nodes.Single(n => n.OpType == "Custom");
        Assert.Equal(-0.0f, custom.GetFloat("f", 1));
        Assert.True(float.IsNegative(custom.GetFloat("f", 1)));
        Assert.Empty(custom.GetInts("empty_ints")!);
        Assert.Equal(new SequenceType(new TensorType(DataType.Float, Shape.Of(2))) { Denotation = "SEQ" }, custom.GetAttribute("ty")!.Value);
        Assert.IsType<ElidedTensor>(custom.GetAttribute("blob")!.Value);

        var gelu = model.Functions[0];
        Assert.Equal(("local", "Gelu", "v1"), (gelu.Domain, gelu.Name, gelu.Overload));
        Assert.Equal(new[] { "alpha", "name" }, gelu.AttributeNames);
        Assert.Equal("alpha", gelu.Body.Nodes.Single().GetAttribute("alpha")!.RefAttributeName);
        Assert.Equal("body", model.Functions[1].Body.Name);
    }

    [Fact]
    public void Graph_built_in_code_round_trips()
    {
        var graph = new Graph("built");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, new Shape([Dim.Named("n"), 4]))));
        var bias = graph.AddInitializer("bias", Tensor.Vector(0.25f, -1f, 3e-8f, float.MaxValue));
        var add = graph.Append("Add", new[] { x, bias });
        add.Output().Type = x.Type;
        var topk = graph.Append("TopK", new Value?[] { add.Output(), null }, outputCount: 2, attributes: [Attribute.Int("axis", -1), Attribute.Ints("perm")]);
        var body = new Graph("body");
        var inner = body.Append("Identity", new[] { topk.Output(1) });
        body.AddOutput(inner.Output());
        var ifNode = graph.Append("If", new[] { x }, attributes: [Attribute.FromGraph("then_branch", body), Attribute.FromGraph("else_branch", new Graph("empty"))]);
        graph.AddOutput(ifNode.Output());
        graph.AddOutput(topk.Output(0));

        var text = IrPrinter.Print(graph, PrintOptions.Full);
        var parsed = IrParser.ParseGraph(text);

        Assert.Null(GraphComparer.Compare(graph, parsed));
        Assert.Equal(text, IrPrinter.Print(parsed, PrintOptions.Full));
        Assert.Contains("%TopK_0, %TopK_1 = TopK(%Add, _) {axis = -1, perm: ints = []}", text);
        Assert.Empty(IrVerifier.Verify(parsed));
    }

    [Fact]
    public void Large_tensors_print_as_digest_and_parse_to_elided_placeholders()
    {
        var graph = new Graph("g");
        var big = graph.AddInitializer("big", Tensor.FromArray(new float[100], 10, 10));
        var relu = graph.Append("Relu", new[] { big });
        graph.AddOutput(relu.Output());

        var text = IrPrinter.Print(graph, new PrintOptions { InlineLimit = 16 });
        Assert.Contains("%big: f32[10,10] = <elided 400 B sha256:", text);
        var parsed = IrParser.ParseGraph(text);
        var placeholder = Assert.IsType<ElidedTensor>(parsed.Initializers[0].Initializer);
        Assert.Equal(new long[] { 10, 10 }, placeholder.Dims);
        Assert.Throws<InvalidOperationException>(() => placeholder.Bytes);
        Assert.Equal(text, IrPrinter.Print(parsed));
        Assert.Contains("values elided", GraphComparer.Compare(graph, parsed));
    }

    [Fact]
    public void Nodes_out_of_order_still_parse_and_keep_their_order()
    {
        var text = """
            graph g (%x: f32[2]) {
              %b = Neg(%a)
              %a = Relu(%x)
              return %b
            }
            """;
        var graph = IrParser.ParseGraph(text);
        Assert.Equal(new[] { "Neg", "Relu" }, graph.Nodes.Select(n => n.OpType));
        Assert.Same(graph.Nodes.Last().Output(), graph.Nodes.First().Inputs[0]);
        Assert.Contains(IrVerifier.Verify(graph), d => d.Id == DiagnosticIds.GraphCycle);
    }

    [Fact]
    public void Floats_print_shortest_and_round_trip_bit_exactly()
    {
        var values = new[] { 0.1f, 1f / 3, float.Epsilon, -float.MaxValue, 1e-5f, 16777217f, -0f, float.NegativeInfinity };
        var graph = new Graph("g");
        var c = graph.AddInitializer("c", Tensor.Vector(values));
        graph.AddOutput(c);
        var text = IrPrinter.Print(graph);
        Assert.Contains("[0.1, 0.33333334, 1e-45, -3.4028235e+38, 1e-05, 16777216.0, -0.0, -inf]", text);
        Assert.Null(GraphComparer.Compare(graph, IrParser.ParseGraph(text)));
    }
}

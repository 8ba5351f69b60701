using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Cleanup;

namespace Onnxc.Tests.Passes.CleanupFolding;

public class InlineFunctionsTests
{
    private const string Domain = "test.functions";

    /// <summary>ScaledAdd(x, y; alpha) = x · alpha + y, alpha an attribute reference with default 3.</summary>
    private static Function ScaledAdd(long opset = 17)
    {
        var body = new Graph("ScaledAdd");
        var x = body.AddInput(new Value("x"));
        var y = body.AddInput(new Value("y"));
        var alpha = body.Append("Constant", Array.Empty<Value>(), attributes: new[] { new Ir.Attribute("value_float", AttributeKind.Float, 0f) { RefAttributeName = "alpha" } });
        var scaled = body.Append("Mul", new[] { x, alpha.Output() });
        var sum = body.Append("Add", new[] { scaled.Output(), y });
        body.AddOutput(sum.Output());
        var function = new Function(Domain, "ScaledAdd", body);
        function.AttributeDefaults.Add(Ir.Attribute.Float("alpha", 3f));
        function.OpsetImports.Add(new OpsetImport("", opset));
        return function;
    }

    private static (Model Model, Value A, Value B) NewModel(params Function[] functions)
    {
        var graph = new Graph("g");
        var type = new TensorType(DataType.Float, Shape.Of(2, 3));
        var a = graph.AddInput(new Value("a", type));
        var b = graph.AddInput(new Value("b", type));
        var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        model.OpsetImports.Add(new OpsetImport(Domain, 1));
        model.Functions.AddRange(functions);
        return (model, a, b);
    }

    private static Node Call(Graph graph, string function, Value[] inputs, string output, params Ir.Attribute[] attributes)
    {
        var call = new Node(function, inputs, new[] { output }, Domain, attributes, "/block/" + function);
        graph.Append(call);
        return call;
    }

    [Fact]
    public void A_call_becomes_its_body_with_the_callers_attribute_or_the_default()
    {
        var (model, a, b) = NewModel(ScaledAdd());
        var first = Call(model.Graph, "ScaledAdd", new[] { a, b }, "first", Ir.Attribute.Float("alpha", 2f));
        var second = Call(model.Graph, "ScaledAdd", new[] { first.Output(), b }, "y");
        model.Graph.AddOutput(second.Output());

        var result = Run(model, out var log);

        Assert.Equal(2, result.Counts["inlined-calls"]);
        Assert.Equal(1, result.Counts["removed-functions"]);
        Assert.Empty(model.Functions);
        Assert.Equal(new[] { "Constant", "Mul", "Add", "Constant", "Mul", "Add" }, model.Graph.Nodes.Select(n => n.OpType));
        var alphas = model.Graph.Nodes.Where(n => n.Is("Constant")).Select(n => n.GetFloat("value_float", -1f));
        Assert.Equal(new[] { 2f, 3f }, alphas);
        Assert.Equal("y", model.Graph.Outputs[0].Name); // the graph output keeps its name
        Assert.Equal(2, log.Count(e => e.Applied));
        Assert.All(model.Graph.Nodes, n => Assert.StartsWith("/block/ScaledAdd/", n.Name));
        Assert.Equal(model.Graph.Nodes.Count(), model.Graph.Nodes.Select(n => n.Name).Distinct().Count());
    }

    [Fact]
    public void Calls_inside_a_body_are_expanded_too_and_outputs_match_onnx_runtime()
    {
        // Twice(x, y) = ScaledAdd(ScaledAdd(x, y), y): a function calling a function, as nested modules export.
        var body = new Graph("Twice");
        var x = body.AddInput(new Value("x"));
        var y = body.AddInput(new Value("y"));
        var inner = new Node("ScaledAdd", new[] { x, y }, new[] { "inner" }, Domain, new[] { Ir.Attribute.Float("alpha", 0.5f) }, "inner");
        body.Append(inner);
        var outer = new Node("ScaledAdd", new[] { inner.Output(), y }, new[] { "outer" }, Domain, Array.Empty<Ir.Attribute>(), "outer");
        body.Append(outer);
        body.AddOutput(outer.Output());
        var twice = new Function(Domain, "Twice", body);
        twice.OpsetImports.Add(new OpsetImport("", 17));
        twice.OpsetImports.Add(new OpsetImport(Domain, 1));
        var (model, a, b) = NewModel(ScaledAdd(), twice);
        model.Graph.AddOutput(Call(model.Graph, "Twice", new[] { a, b }, "y").Output());

        var folder = Directory.CreateTempSubdirectory("onnxc-inline-");
        try
        {
            var original = Path.Combine(folder.FullName, "calls.onnx");
            var inlined = Path.Combine(folder.FullName, "inlined.onnx");
            OnnxExporter.Save(model, original);
            var result = Run(model, out _);
            Assert.Equal(3, result.Counts["inlined-calls"]);
            Assert.Empty(model.Functions);
            Assert.DoesNotContain(model.Graph.Nodes, n => n.Domain == Domain);
            OnnxExporter.Save(model, inlined);
            var report = ModelVerifier.Verify(original, inlined, new VerifyOptions { Samples = 2, Tolerance = new Tolerance("exact", 0, 0) });
            Assert.True(report.Passed, string.Join("; ", report.Outputs.Select(o => $"{o.Name}: {o.Reason}")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_body_that_returns_its_input_keeps_the_graph_outputs_name_through_an_identity()
    {
        var body = new Graph("First");
        var x = body.AddInput(new Value("x"));
        body.AddInput(new Value("unused"));
        body.AddOutput(x);
        var first = new Function(Domain, "First", body);
        first.OpsetImports.Add(new OpsetImport("", 17));
        var (model, a, b) = NewModel(first);
        model.Graph.AddOutput(Call(model.Graph, "First", new[] { a, b }, "y").Output());

        Run(model, out _);

        var identity = Assert.Single(model.Graph.Nodes);
        Assert.Equal("Identity", identity.OpType);
        Assert.Same(a, identity.Input(0));
        Assert.Equal("y", model.Graph.Outputs[0].Name);
    }

    [Fact]
    public void A_function_on_another_opset_version_is_left_called_with_the_reason()
    {
        var (model, a, b) = NewModel(ScaledAdd(opset: 18));
        model.Graph.AddOutput(Call(model.Graph, "ScaledAdd", new[] { a, b }, "y").Output());

        var result = Run(model, out var log);

        Assert.False(result.Changed);
        Assert.Single(model.Functions);
        var entry = Assert.Single(log);
        Assert.False(entry.Applied);
        Assert.Contains("imports ai.onnx 18, the model 17", entry.Message);
    }

    [Fact]
    public void A_body_with_a_subgraph_is_not_copied()
    {
        var function = ScaledAdd();
        var then = new Graph("then");
        then.AddOutput(then.Append("Constant", Array.Empty<Value>(), attributes: new[] { Ir.Attribute.FromTensor("value", Tensor.Scalar(1f)) }).Output());
        var otherwise = new Graph("else");
        otherwise.AddOutput(otherwise.Append("Constant", Array.Empty<Value>(), attributes: new[] { Ir.Attribute.FromTensor("value", Tensor.Scalar(2f)) }).Output());
        var condition = function.Body.Append("Constant", Array.Empty<Value>(), attributes: new[] { Ir.Attribute.FromTensor("value", Tensor.Scalar(true)) });
        function.Body.Append("If", new[] { condition.Output() }, attributes: new[] { Ir.Attribute.FromGraph("then_branch", then), Ir.Attribute.FromGraph("else_branch", otherwise) });
        var (model, a, b) = NewModel(function);
        model.Graph.AddOutput(Call(model.Graph, "ScaledAdd", new[] { a, b }, "y").Output());

        Assert.False(Run(model, out var log).Changed);
        Assert.Contains("holds a subgraph (If)", Assert.Single(log).Message);
    }

    private static PassResult Run(Model model, out List<ExplainEntry> log)
    {
        var context = new PassContext { Explain = true, CurrentPass = "inline-functions" };
        var result = new InlineFunctions().Run(model, context);
        log = context.Log;
        return result;
    }
}

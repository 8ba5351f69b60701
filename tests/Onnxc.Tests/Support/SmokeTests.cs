using Onnxc.Ir;

namespace Onnxc.Tests.Support;

public class IrSmokeTests
{
    [Fact]
    public void ReplaceAllUsesWith_moves_uses_and_keeps_graph_output_name()
    {
        var graph = new Graph("g");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(2))));
        var relu = graph.Append("Relu", new[] { x });
        var neg = graph.Append("Neg", new[] { relu.Output() });
        graph.AddOutput(neg.Output());
        var id = graph.Append("Identity", new[] { x }, outputHint: "y2");

        neg.Output().ReplaceAllUsesWith(id.Output());

        Assert.Same(id.Output(), graph.Outputs[0]);
        Assert.Equal("Neg", graph.Outputs[0].Name);
        Assert.False(neg.Output().IsGraphOutput);
        Assert.Equal(2, x.Uses.Count);
        graph.Remove(neg);
        Assert.Empty(relu.Output().Uses);
    }

    [Fact]
    public void TopologicalOrder_reports_a_cycle()
    {
        var graph = new Graph("g");
        var x = graph.AddInput(new Value("x"));
        var a = graph.Append("Add", new[] { x, x });
        var b = graph.Append("Relu", new[] { a.Output() });
        a.ReplaceInput(1, b.Output());
        var error = Assert.Throws<GraphCycleException>(() => graph.TopologicalOrder());
        Assert.Contains("cycle", error.Message);
    }
}

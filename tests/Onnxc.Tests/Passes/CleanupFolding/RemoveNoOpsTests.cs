using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Cleanup;

namespace Onnxc.Tests.Passes.CleanupFolding;

public class RemoveNoOpsTests
{
    [Fact]
    public void A_no_op_that_is_a_graph_output_hands_its_name_to_the_computed_source()
    {
        var graph = new Graph("g");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(2, 3))));
        var relu = graph.Append("Relu", new[] { x }, outputHint: "r");
        var cast = graph.Append("Cast", new[] { relu.Output() }, attributes: new[] { Ir.Attribute.Int("to", (long)DataType.Float) }, outputHint: "y");
        graph.AddOutput(cast.Output());
        using var model = new Model(graph);
        new InferShapes().Run(model, new PassContext());

        var result = new RemoveNoOps().Run(model, new PassContext());

        Assert.Equal(1, result.Counts["removed-nodes"]);
        Assert.Same(relu.Output(), graph.Outputs[0]);
        Assert.Equal("y", graph.Outputs[0].Name);
    }

    [Fact]
    public void Without_inferred_shapes_nothing_is_assumed_to_be_a_no_op()
    {
        var graph = new Graph("g");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, null)));
        var shape = graph.AddInitializer("shape", Tensor.Vector(2L, 3L));
        var reshape = graph.Append("Reshape", new Value?[] { x, shape });
        var relu = graph.Append("Relu", new[] { reshape.Output() });
        graph.AddOutput(relu.Output());
        using var model = new Model(graph);

        Assert.False(new RemoveNoOps().Run(model, new PassContext()).Changed);
    }

    [Fact]
    public void Adding_zero_that_broadcasts_to_a_larger_shape_is_kept()
    {
        var graph = new Graph("g");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(3))));
        var zeros = graph.AddInitializer("zeros", Tensor.FromArray(new float[6], 2, 3));
        var add = graph.Append("Add", new[] { x, zeros });
        var relu = graph.Append("Relu", new[] { add.Output() });
        graph.AddOutput(relu.Output());
        using var model = new Model(graph);
        new InferShapes().Run(model, new PassContext());

        Assert.False(new RemoveNoOps().Run(model, new PassContext()).Changed);
    }
}

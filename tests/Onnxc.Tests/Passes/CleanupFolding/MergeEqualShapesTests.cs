using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Cleanup;

namespace Onnxc.Tests.Passes.CleanupFolding;

public class MergeEqualShapesTests
{
    /// <summary>Shape(x)[1:2] and Shape(y)[1:2] for x and y of dims [1, the given dim], each read by a Reshape.</summary>
    private static (Model Model, Node First, Node Second) TwoDimReads(object? xDim, object? yDim)
    {
        var graph = new Graph("g");
        Value Input(string name, object? dim) => graph.AddInput(new Value(name, new TensorType(DataType.Float, new Shape(new[] { Dim.Of(1), dim switch
        {
            string s => Dim.Named(s),
            long n => Dim.Of(n),
            _ => Dim.Unknown,
        } }))));
        var x = Input("x", xDim);
        var y = Input("y", yDim);
        var start = graph.AddInitializer("start", Tensor.Vector(1L));
        var end = graph.AddInitializer("end", Tensor.Vector(2L));
        var first = graph.Append("Slice", new Value?[] { graph.Append("Shape", new[] { x }).Output(), start, end }, outputHint: "xs");
        var second = graph.Append("Slice", new Value?[] { graph.Append("Shape", new[] { y }).Output(), start, end }, outputHint: "ys");
        graph.AddOutput(graph.Append("Reshape", new[] { x, first.Output() }, outputHint: "rx").Output());
        graph.AddOutput(graph.Append("Reshape", new[] { y, second.Output() }, outputHint: "ry").Output());
        var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        new InferShapes().Run(model, new PassContext());
        return (model, first, second);
    }

    [Fact]
    public void Reads_of_one_named_dim_from_two_tensors_become_the_first()
    {
        var (model, first, second) = TwoDimReads("sequence", "sequence");

        var result = new MergeEqualShapes().Run(model, new PassContext());

        Assert.Equal(2, result.Counts["merged-values"]); // Shape(y) = Shape(x) = [1, sequence], then the slices
        Assert.Empty(second.Output().Uses);
        Assert.Equal(2, first.Output().Uses.Count);
        Assert.False(new MergeEqualShapes().Run(model, new PassContext()).Changed); // idempotent
    }

    [Theory]
    [InlineData("sequence", "other")] // different names
    [InlineData(null, null)] // unknown dims prove nothing
    [InlineData(5L, 5L)] // static contents are fold-constants' to fold
    public void Anything_else_stays(object? x, object? y)
    {
        var (model, _, _) = TwoDimReads(x, y);
        Assert.False(new MergeEqualShapes().Run(model, new PassContext()).Changed);
    }
}

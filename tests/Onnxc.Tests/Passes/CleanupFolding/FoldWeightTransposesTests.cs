using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Cleanup;

namespace Onnxc.Tests.Passes.CleanupFolding;

public class FoldWeightTransposesTests
{
    /// <summary>x [2, K] · Transpose(W [N, K]) with perm, as torch writes nn.Linear without constant folding.</summary>
    private static (Model Model, Value Weight, Node Transpose) LinearWithTransposedWeight(Tensor weight, long[]? perm = null)
    {
        var graph = new Graph("g");
        long k = weight.Dims[^1];
        var x = graph.AddInput(new Value("x", new TensorType(weight.ElementType, Shape.Of(2, k))));
        var w = graph.AddInitializer("layer.weight", weight);
        var attributes = perm is null ? Array.Empty<Ir.Attribute>() : new[] { Ir.Attribute.Ints("perm", perm) };
        var transpose = graph.Append("Transpose", new[] { w }, attributes: attributes);
        var matMul = graph.Append("MatMul", new[] { x, transpose.Output() }, outputHint: "y");
        graph.AddOutput(matMul.Output());
        var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        return (model, w, transpose);
    }

    [Theory]
    [InlineData(3, 5, true)]
    [InlineData(1, 1, false)]
    [InlineData(8, 8, false)] // one 8 × 8 register block
    [InlineData(9, 17, true)] // blocks plus a right and a bottom strip
    [InlineData(64, 40, false)]
    [InlineData(33, 70, false)] // past one 32 × 32 tile in both directions, with ragged edges
    public void A_weight_read_only_by_its_transpose_is_stored_transposed(int n, int k, bool explicitPerm)
    {
        var values = Enumerable.Range(0, n * k).Select(i => (float)i).ToArray();
        var (model, weight, _) = LinearWithTransposedWeight(Tensor.FromArray(values, n, k), explicitPerm ? new long[] { 1, 0 } : null);

        var result = new FoldWeightTransposes().Run(model, new PassContext());

        Assert.Equal(1, result.Counts["folded-transposes"]);
        var matMul = Assert.Single(model.Graph.Nodes);
        var folded = matMul.Input(1)!.Initializer!;
        Assert.Equal(new long[] { k, n }, folded.Dims);
        var data = folded.AsSpan<float>();
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < k; c++) Assert.Equal(values[r * k + c], data[c * n + r]);
        }
        Assert.DoesNotContain(weight, model.Graph.Initializers); // the source died with the Transpose: nothing stored twice
    }

    [Fact]
    public void Half_precision_and_rank_three_weights_keep_their_bytes()
    {
        var halves = Enumerable.Range(0, 12).Select(i => (Half)i).ToArray();
        var (model, _, _) = LinearWithTransposedWeight(Tensor.FromArray(halves, 4, 3));
        new FoldWeightTransposes().Run(model, new PassContext());
        Assert.Equal(new[] { 0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11 }, model.Graph.Nodes.Single().Input(1)!.Initializer!.AsSpan<Half>().ToArray().Select(h => (int)h));

        var cube = Enumerable.Range(0, 24).Select(i => (float)i).ToArray();
        var graph = new Graph("g");
        var w = graph.AddInitializer("w", Tensor.FromArray(cube, 2, 3, 4));
        var transpose = graph.Append("Transpose", new[] { w }, attributes: new[] { Ir.Attribute.Ints("perm", 2, 0, 1) });
        var neg = graph.Append("Neg", new[] { transpose.Output() });
        graph.AddOutput(neg.Output());
        using var cubeModel = new Model(graph);
        new FoldWeightTransposes().Run(cubeModel, new PassContext());
        var folded = neg.Input(0)!.Initializer!;
        Assert.Equal(new long[] { 4, 2, 3 }, folded.Dims);
        // out[a, b, c] = in[b, c, a]
        Assert.Equal(cube[1 * 12 + 2 * 4 + 3], folded.AsSpan<float>()[3 * 6 + 1 * 3 + 2]);
    }

    [Fact]
    public void A_weight_read_elsewhere_too_stays_behind_its_transpose()
    {
        // A tied LM head: the embedding table feeds a Gather and the head's Transpose; folding would store it twice.
        var (model, weight, transpose) = LinearWithTransposedWeight(Tensor.FromArray(new float[6], 2, 3));
        var ids = model.Graph.AddInput(new Value("ids", new TensorType(DataType.Int64, Shape.Of(2))));
        var gather = model.Graph.Append("Gather", new[] { weight, ids });
        model.Graph.AddOutput(gather.Output());

        Assert.False(new FoldWeightTransposes().Run(model, new PassContext()).Changed);
        Assert.Contains(transpose, model.Graph.Nodes);
    }

    [Fact]
    public void An_overridable_weight_is_not_folded()
    {
        // IR < 4 style: the initializer is also a graph input, so the caller may feed another weight at run time.
        var (model, weight, _) = LinearWithTransposedWeight(Tensor.FromArray(new float[6], 2, 3));
        model.Graph.MarkInitializerAsInput(weight);

        Assert.False(new FoldWeightTransposes().Run(model, new PassContext()).Changed);
    }
}

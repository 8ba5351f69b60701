using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>
/// A sample as torch.onnx.export writes it with <c>do_constant_folding=False</c>. The samples are built the way the
/// default export (constant folding on) writes nn.Linear: MatMul with an [in, out] copy of the weight named
/// "onnx::MatMul_N". Without folding, the MatMul reads the module's own [out, in] parameter through a Transpose, and
/// a tied LM head reads the embedding table itself through one. Everything else these samples hold is the same in
/// both exports (their shape chains are dynamic, their scalars Constant nodes).
/// </summary>
public static class UnfoldedExport
{
    private const string FoldedWeightPrefix = "onnx::MatMul_";

    /// <summary>Rewrites <paramref name="model"/> in place into its unfolded export and returns it.</summary>
    public static Model WithoutConstantFolding(Model model)
    {
        var graph = model.Graph;
        foreach (var matMul in graph.Nodes.Where(n => n.Is("MatMul")).ToList())
        {
            if (matMul.Input(1) is not { Initializer: { Rank: 2, ElementType: DataType.Float } folded } weight || !weight.Name.StartsWith(FoldedWeightPrefix, StringComparison.Ordinal)) continue;
            var scope = Scope(matMul);
            var parameter = TiedParameter(graph, folded) ?? graph.AddInitializer(ParameterName(graph, scope), Transposed(folded));
            var transpose = new Node("Transpose", new[] { parameter }, new[] { $"{scope}/Transpose_output_0" }, "",
                new[] { Attribute.Ints("perm", 1, 0) }, $"{scope}/Transpose");
            graph.InsertBefore(matMul, transpose);
            matMul.ReplaceInput(1, transpose.Output());
            graph.RemoveInitializer(weight);
        }
        return model;
    }

    /// <summary>"/encoder/layer.0/attention/self/query/MatMul" → "/encoder/layer.0/attention/self/query".</summary>
    private static string Scope(Node node)
    {
        var name = node.Name ?? "";
        int slash = name.LastIndexOf('/');
        return slash > 0 ? name[..slash] : "/" + node.OpType;
    }

    /// <summary>The module parameter's name: "encoder.layer.0.attention.self.query.weight".</summary>
    private static string ParameterName(Graph graph, string scope)
    {
        var name = scope.TrimStart('/').Replace('/', '.') + ".weight";
        var taken = graph.Initializers.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var unique = name;
        for (int n = 1; taken.Contains(unique); n++) unique = $"{name}_{n}";
        return unique;
    }

    /// <summary>An initializer the folded weight is the transposed copy of (a tied LM head's embedding), if any.</summary>
    private static Value? TiedParameter(Graph graph, Tensor folded) =>
        graph.Initializers.FirstOrDefault(i => !i.Name.StartsWith(FoldedWeightPrefix, StringComparison.Ordinal)
            && i.Initializer is { ElementType: DataType.Float, Rank: 2 } candidate
            && candidate.Dims[0] == folded.Dims[1] && candidate.Dims[1] == folded.Dims[0]
            && IsTransposeOf(folded.AsSpan<float>(), candidate.AsSpan<float>(), (int)candidate.Dims[0], (int)candidate.Dims[1]));

    private static bool IsTransposeOf(ReadOnlySpan<float> folded, ReadOnlySpan<float> source, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                if (folded[c * rows + r] != source[r * columns + c]) return false;
            }
        }
        return true;
    }

    private static DenseTensor Transposed(Tensor folded)
    {
        int rows = checked((int)folded.Dims[0]), columns = checked((int)folded.Dims[1]);
        var target = new float[rows * columns];
        WeightFactory.Transpose(folded.AsSpan<float>(), target, rows, columns);
        return Tensor.FromArray(target, columns, rows);
    }
}

using Onnxc.Ir;
using Onnxc.Passes.Cleanup.Folding;

namespace Onnxc.Passes.Cleanup;

/// <summary>
/// Replaces a Transpose of a weight that nothing else reads by the transposed weight. torch.onnx.export with
/// <c>do_constant_folding=False</c> writes every nn.Linear as <c>MatMul(x, Transpose(W))</c>; fold-constants leaves
/// those alone (weights are above its size limit, so that it never stores a weight twice), and the fusions and
/// weight passes need the MatMul's weight as an initializer. Here nothing is duplicated: the source weight has no
/// other reader, so it dies with the Transpose. A weight read elsewhere too (a tied LM head's embedding table) stays
/// behind its Transpose, because folding it would store the table twice.
/// </summary>
public sealed class FoldWeightTransposes : IPass
{
    public string Name => "fold-weight-transposes";

    public string Description => "store a transposed weight in place of Transpose(W) when nothing else reads W (unfolded torch exports)";

    public PassResult Run(Model model, PassContext context)
    {
        int folded = 0;
        foreach (var graph in GraphWalk.WithSubgraphs(model.Graph).ToList())
        {
            foreach (var node in graph.Nodes.ToList())
            {
                if (!node.Is("Transpose") || node.Outputs.Count != 1 || node.Output().IsGraphOutput) continue;
                if (node.Input(0) is not { Initializer: { } weight } source || !SoleReader(source, graph)) continue;
                if (Permutation(node, weight.Rank) is not { } perm || Transposed(weight, perm) is not { } transposed) continue;
                var output = node.Output();
                var replacement = graph.AddInitializer(output.Name, transposed);
                output.ReplaceAllUsesWith(replacement);
                graph.Remove(node);
                graph.RemoveInitializer(source);
                folded++;
            }
        }
        return PassResult.Of(("folded-transposes", folded));
    }

    /// <summary>The weight is this graph's own, not overridable as an input, not an output, and read by the Transpose alone.</summary>
    private static bool SoleReader(Value weight, Graph graph) =>
        weight.OwningGraph == graph && !weight.IsGraphInput && !weight.IsGraphOutput && weight.Uses.Count == 1;

    /// <summary>The node's perm (reversed axes by default), or null when it is not a permutation of the weight's axes.</summary>
    private static int[]? Permutation(Node node, int rank)
    {
        var perm = node.GetInts("perm")?.Select(p => (int)p).ToArray() ?? Enumerable.Range(0, rank).Reverse().ToArray();
        return perm.Length == rank && perm.OrderBy(p => p).Select((p, i) => p == i).All(same => same) ? perm : null;
    }

    /// <summary>The weight with its axes permuted, or null for element types not stored in whole bytes (int4, strings).</summary>
    private static Tensor? Transposed(Tensor weight, int[] perm)
    {
        var type = weight.ElementType;
        if (!HostTensor.Supports(type)) return null;
        var dims = weight.Dims.ToArray();
        var outDims = perm.Select(p => dims[p]).ToArray();
        if (weight.Rank != 2) return HostTensor.FromTensor(weight) is { } host ? host.Gather(outDims, IndexMath.Transpose(dims, perm, out _)).ToTensor() : null;
        // The Linear case, rows × columns: blocked, without the per-element index list of the general path.
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)weight.ByteLength)); // every byte is written below
        if (!MatrixTranspose.TransposeBytes(weight.Bytes.Span, bytes, checked((int)dims[0]), checked((int)dims[1]), type.BitWidth() / 8)) return null;
        return new DenseTensor(type, outDims, bytes);
    }
}

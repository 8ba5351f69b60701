using Onnxc.Ir;
using Onnxc.Ir.Inference;

namespace Onnxc.Passes.Cleanup;

/// <summary>
/// Merges shape computations whose contents inference knows to be equal though they read different tensors:
/// Shape(x)[1] and Shape(y)[1] when both dims are the symbol "sequence". A value becomes the earliest one with the
/// same contents (in a graph without control flow an earlier node's output is readable everywhere later), and
/// common-subexpression elimination then merges what read them. This is what lets a fused model keep one
/// attention mask for all layers: each layer's fusion reads its own layer's dims, which are the same symbols.
/// Only fully described contents are merged (every element a number or a named dim; no unknown elements); a named
/// dim means one size wherever it appears, as ONNX's dim_param does (and sums of names, "past_sequence + sequence",
/// are the sums inference computed). Static contents are left to fold-constants.
/// </summary>
public sealed class MergeEqualShapes : IPass
{
    public string Name => "merge-equal-shapes";

    public string Description => "merge shape computations with equal (symbolic) contents, e.g. Shape(x)[1] and Shape(y)[1] of one 'sequence'";

    public PassResult Run(Model model, PassContext context)
    {
        int merged = 0;
        foreach (var graph in GraphWalk.WithSubgraphs(model.Graph).ToList())
        {
            var constants = new ConstantValues();
            var first = new Dictionary<string, Value>(StringComparer.Ordinal);
            foreach (var node in graph.TopologicalOrder())
            {
                foreach (var output in node.Outputs)
                {
                    if (output.IsGraphOutput || output.Uses.Count == 0 || Key(constants.TryGet(output)) is not { } key) continue;
                    if (!first.TryGetValue(key, out var earlier))
                    {
                        first[key] = output;
                        continue;
                    }
                    if (earlier.Type is { } type && output.Type is { } mine && !type.Equals(mine)) continue;
                    output.ReplaceAllUsesWith(earlier);
                    merged++;
                }
            }
        }
        return PassResult.Of(("merged-values", merged));
    }

    /// <summary>Element type, dims and elements, when every element is named or known and at least one is named.</summary>
    private static string? Key(KnownTensor? known)
    {
        if (known is null || known.Elements.Any(e => !e.IsStatic && e.Symbol is null) || known.IsFullyKnown) return null;
        return $"{known.ElementType}|{string.Join(",", known.Dims)}|{string.Join(",", known.Elements.Select(e => e.IsStatic ? e.Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "'" + e.Symbol + "'"))}";
    }
}

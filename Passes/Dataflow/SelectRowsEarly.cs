using Onnxc.Ir;
using Onnxc.Ir.Inference;
using Onnxc.Passes.Quantization;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Dataflow;

/// <summary>
/// A classifier that reads one token of the last hidden state (ViT's CLS token, <c>Gather(h, 0, axis=1)</c>) needs only
/// that row of every row-wise op before it: the final norm, the last block's MLP and output projection, and its
/// attention's queries (keys and values still span every token). This pass moves the row selection up through
/// those ops, so they run on one row instead of S: on ViT-B/16 the last block then does ~1/6 of its work. Exact: the
/// same row is computed by the same ops on the same inputs. It stops at a value something else reads in full (the
/// residual stream a block reads twice, a graph output), and does not cross causal or masked attention.
/// </summary>
public sealed class SelectRowsEarly : IPass
{
    private const int MaxSteps = 10_000;

    public string Name => "select-rows-early";

    public string Description => "move a Gather of one token (ViT's CLS) above the row-wise ops before it (norms, MLP, attention queries)";

    public PassResult Run(Model model, PassContext context)
    {
        // Every move needs the token axis of the values it crosses, as the fusions that need shapes do.
        var inferred = ShapeInference.Run(model);
        int roots = 0, moved = 0, split = 0;
        foreach (var gather in model.Graph.Nodes.Where(RowSelection.IsTokenPick).ToList())
        {
            if (!RowSelection.CanMoveAbove(gather.Input(0)!, out var refusal))
            {
                context.Record(Name, gather, false, refusal!);
                continue;
            }
            int movedHere = 0;
            var pending = new Queue<Node>();
            pending.Enqueue(RowSelection.SplitPick(model.Graph, gather));
            roots++;
            for (int step = 0; pending.Count > 0 && step < MaxSteps; step++)
            {
                var selection = pending.Dequeue();
                // Already merged into a move made from another selection of the same value.
                if (selection.Graph is null) continue;
                var rows = selection.Input(0)!;
                if (rows.Producer is { } producer && producer.Is("Attention", FusedAttention.Domain) && rows.Uses.Count == 1 && !rows.IsGraphOutput
                    && SplitForQueries(model, producer))
                {
                    split++;
                    pending.Enqueue(selection);
                    continue;
                }
                if (RowSelection.MoveAbove(model, selection) is not { } above) continue;
                movedHere++;
                foreach (var next in above) pending.Enqueue(next);
            }
            moved += movedHere;
            context.Record(Name, gather, true, $"{movedHere} op(s) now run on the selected row");
        }
        return PassResult.Of(("token-gathers", roots), ("ops-on-one-row", moved), ("attention-split-for-queries", split),
            ("typed-values", inferred.ValuesTyped + inferred.ValuesRefined));
    }

    /// <summary>
    /// Packed Attention computes every query: split it into Q/K/V projections + MultiHeadAttention (lossless, the
    /// same as split-attention-projections) so the selection can reach the query projection alone.
    /// </summary>
    private static bool SplitForQueries(Model model, Node attention)
    {
        var found = FusedAttention.Find(attention);
        if (found.Value is not { MaskIndex: null, AttentionBias: null } fused || fused.Attention.GetInt("unidirectional", 0) != 0) return false;
        if (attention.Inputs.Count > 4 && attention.Inputs.Skip(4).Any(i => i is not null)) return false;
        if (!new SplitAttentionProjections(n => ReferenceEquals(n, attention)).Run(model, new PassContext()).Changed) return false;
        // The new projections carry no shapes yet, and the next move needs the query's.
        ShapeInference.Run(model);
        return true;
    }
}

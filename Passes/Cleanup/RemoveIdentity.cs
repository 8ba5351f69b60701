using Onnxc.Ir;

namespace Onnxc.Passes.Cleanup;

/// <summary>Bypasses Identity nodes (and Dropout in inference mode) so readers use the source value directly.</summary>
public sealed class RemoveIdentity : IPass
{
    public string Name => "remove-identity";

    public string Description => "bypass Identity nodes and inference-mode Dropout";

    public PassResult Run(Model model, PassContext context)
    {
        int removed = 0;
        foreach (var graph in GraphWalk.AllGraphs(model))
        {
            foreach (var node in graph.Nodes.ToList())
            {
                if (!IsNoOp(node) || node.Input(0) is not { } source) continue;
                var output = node.Output(0);
                // Two graph outputs cannot share one value (they must keep distinct names), and a graph input
                // cannot be renamed, so keep the node where bypassing would merge interface names.
                if (output.IsGraphOutput && (source.IsGraphOutput || source.Producer is null || source.Graph != graph)) continue;
                output.ReplaceAllUsesWith(source);
                graph.Remove(node);
                removed++;
            }
        }
        return PassResult.Of(("removed-nodes", removed));
    }

    private static bool IsNoOp(Node node)
    {
        if (node.Domain.Length != 0) return false;
        if (node.OpType == "Identity") return node.Input(0)?.Type is null or TensorType;
        // Dropout is a no-op at inference when its mask output is unused and training_mode is absent/false.
        return node.OpType == "Dropout" && node.Inputs.Count <= 2 && (node.Outputs.Count < 2 || (node.Outputs[1].Uses.Count == 0 && !node.Outputs[1].IsGraphOutput));
    }
}

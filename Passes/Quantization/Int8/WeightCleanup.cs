using Onnxc.Ir;

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>Drops float weights that quantization left unread, so the written model does not carry both copies.</summary>
internal static class WeightCleanup
{
    public static int RemoveUnread(IEnumerable<Value> weights)
    {
        int removed = 0;
        foreach (var weight in weights)
        {
            if (weight.Uses.Count > 0 || weight.IsGraphOutput) continue;
            if (weight.IsInitializer && !weight.IsGraphInput && weight.OwningGraph is { } owner)
            {
                owner.RemoveInitializer(weight);
                removed++;
            }
            else if (weight.Producer is { } constant && constant.Is("Constant") && constant.Graph is { } graph)
            {
                graph.Remove(constant);
                removed++;
            }
        }
        return removed;
    }
}

namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>
/// Greedy bit allocation. Every layer starts at fp32; each step lowers the one layer whose next precision costs the
/// least predicted loss per byte saved. Predicted loss is the sum of the layers' single-layer losses (a first-order
/// model of 1 − cosine that the caller checks by measuring the result). Size budget: step until the weights fit.
/// Accuracy budget: take every step that keeps the predicted loss within 1 − min cosine, cheapest first.
/// </summary>
public static class BitAllocator
{
    /// <param name="fixedBytes">Bytes of everything that stays as it is (embeddings, norms, unquantizable weights).</param>
    public static BitAllocation Allocate(IReadOnlyList<LayerCandidate> layers, MixedPrecisionBudget budget, long fixedBytes = 0)
    {
        var level = layers.ToDictionary(l => l.Id, _ => 0);
        var reasons = new Dictionary<string, string>();
        long bytes = fixedBytes + layers.Sum(l => l.Bytes[Precision.Fp32]);
        double loss = 0;
        int step = 0;
        double allowed = budget is MixedPrecisionBudget.Accuracy a ? 1 - a.MinCosine : double.PositiveInfinity;

        while (true)
        {
            if (budget is MixedPrecisionBudget.Size size && bytes <= size.Bytes) break;
            var moves = layers.Select(l => NextMove(l, level[l.Id])).OfType<Move>().OrderBy(m => m.Cost).ThenBy(m => m.Layer.Id, StringComparer.Ordinal).ToList();
            var chosen = moves.FirstOrDefault(m => loss + m.AddedLoss <= allowed);
            if (chosen is null) break;
            step++;
            level[chosen.Layer.Id]++;
            bytes -= chosen.SavedBytes;
            loss += chosen.AddedLoss;
            reasons[chosen.Layer.Id] = $"step {step}: {chosen.To.Label()} saves {chosen.SavedBytes:N0} B for +{chosen.AddedLoss:0.###e0} loss ({chosen.Cost:0.##e0}/B)";
        }

        bool met = budget switch
        {
            MixedPrecisionBudget.Size s => bytes <= s.Bytes,
            _ => loss <= allowed,
        };
        var choices = layers.Select(l => Describe(l, level[l.Id], reasons.GetValueOrDefault(l.Id), budget, loss, allowed, met)).ToList();
        string summary = $"{budget}: {(met ? "met" : "NOT met")} with {bytes:N0} B, predicted loss {loss:0.###e0} (cosine ≈ {1 - loss:0.#####})";
        return new BitAllocation(choices, bytes, loss, met, summary);
    }

    private sealed record Move(LayerCandidate Layer, Precision To, long SavedBytes, double AddedLoss)
    {
        // A move that saves nothing is never worth taking; one that loses nothing is free.
        public double Cost => SavedBytes <= 0 ? double.PositiveInfinity : Math.Max(AddedLoss, 0) / SavedBytes;
    }

    private static Move? NextMove(LayerCandidate layer, int at)
    {
        var ladder = layer.Ladder;
        if (at + 1 >= ladder.Count) return null;
        var from = ladder[at];
        var to = ladder[at + 1];
        var move = new Move(layer, to, layer.Bytes[from] - layer.Bytes[to], layer.LossAt(to) - layer.LossAt(from));
        return move.SavedBytes > 0 ? move : null;
    }

    private static LayerChoice Describe(LayerCandidate layer, int at, string? taken, MixedPrecisionBudget budget, double loss, double allowed, bool met)
    {
        var precision = layer.Ladder[at];
        var next = NextMove(layer, at);
        string why = next is null
            ? taken ?? "nothing lower available"
            : budget switch
            {
                MixedPrecisionBudget.Size when met => $"{Prefix(taken)}budget met before {next.To.Label()} ({next.Cost:0.##e0}/B was dearer than the steps taken)",
                MixedPrecisionBudget.Size => $"{Prefix(taken)}no precision left lower than {precision.Label()}",
                _ => $"{Prefix(taken)}{next.To.Label()} would add {next.AddedLoss:0.###e0} loss: {loss + next.AddedLoss:0.###e0} > allowed {allowed:0.###e0}",
            };
        return new LayerChoice(layer.Id, layer.Parameters, precision, layer.Bytes[precision],
            layer.Loss.TryGetValue(Precision.Int8, out var l8) ? l8 : null,
            layer.Loss.TryGetValue(Precision.Int4, out var l4) ? l4 : null, why);
    }

    private static string Prefix(string? taken) => taken is null ? "" : taken + "; ";
}

namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>
/// Greedy bit allocation. Every layer starts at fp32; each step lowers the one layer whose move to any lower precision
/// costs the least predicted loss per byte saved (a layer may go from fp32 straight to int4 when int8 is the worse
/// deal, e.g. when its activation quantizes badly but its weight does not). Predicted loss is the sum of the layers' single-layer losses (a first-order
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
            var moves = layers.SelectMany(l => Moves(l, level[l.Id])).OrderBy(m => m.Cost).ThenBy(m => m.Layer.Id, StringComparer.Ordinal).ToList();
            var chosen = moves.FirstOrDefault(m => loss + m.AddedLoss <= allowed);
            if (chosen is null) break;
            step++;
            level[chosen.Layer.Id] = chosen.Layer.Ladder.ToList().IndexOf(chosen.To);
            bytes -= chosen.SavedBytes;
            loss += chosen.AddedLoss;
            reasons[chosen.Layer.Id] = $"step {step}: {chosen.To.Label()} (cos {1 - chosen.Layer.LossAt(chosen.To):0.#######} alone) saves {Readable(chosen.SavedBytes)} for +{chosen.AddedLoss:0.###e0} loss ({chosen.Cost:0.##e0}/B)";
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

    /// <summary>The moves from rung <paramref name="at"/> to each lower precision that saves bytes.</summary>
    private static IEnumerable<Move> Moves(LayerCandidate layer, int at)
    {
        var ladder = layer.Ladder;
        var from = ladder[at];
        return ladder.Skip(at + 1)
            .Select(to => new Move(layer, to, layer.Bytes[from] - layer.Bytes[to], layer.LossAt(to) - layer.LossAt(from)))
            .Where(m => m.SavedBytes > 0);
    }

    /// <summary>The cheapest move left from rung <paramref name="at"/> (what the report says the layer was not given).</summary>
    private static Move? NextMove(LayerCandidate layer, int at) => Moves(layer, at).OrderBy(m => m.Cost).FirstOrDefault();

    private static string Readable(long bytes) => bytes >= 1 << 20 ? $"{bytes / 1048576.0:0.0#} MiB" : bytes >= 1 << 10 ? $"{bytes / 1024.0:0.0#} KiB" : $"{bytes} B";

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

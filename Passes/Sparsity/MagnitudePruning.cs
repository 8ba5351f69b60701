namespace Onnxc.Passes.Sparsity;

/// <summary>2:4 pruning by magnitude: in every group of 4 along K keep the two weights of largest |w|.</summary>
public static class MagnitudePruning
{
    /// <summary>Prunes rows [N, K] in place (K a multiple of 4). Ties keep the lower position, so results are deterministic.</summary>
    public static void Prune(Span<float> rows, int k)
    {
        if (k % 4 != 0) throw new ArgumentException($"K = {k} is not a multiple of 4", nameof(k));
        for (int start = 0; start < rows.Length; start += 4)
        {
            var group = rows.Slice(start, 4);
            var (first, second) = LargestTwo(MathF.Abs(group[0]), MathF.Abs(group[1]), MathF.Abs(group[2]), MathF.Abs(group[3]));
            for (int p = 0; p < 4; p++)
            {
                if (p != first && p != second) group[p] = 0;
            }
        }
    }

    /// <summary>Positions of the two largest scores of a group (lower position wins a tie).</summary>
    public static (int First, int Second) LargestTwo(double s0, double s1, double s2, double s3)
    {
        Span<double> scores = stackalloc double[] { s0, s1, s2, s3 };
        int best = 0;
        for (int p = 1; p < 4; p++)
        {
            if (scores[p] > scores[best]) best = p;
        }
        int next = best == 0 ? 1 : 0;
        for (int p = 0; p < 4; p++)
        {
            if (p != best && scores[p] > scores[next]) next = p;
        }
        return (Math.Min(best, next), Math.Max(best, next));
    }
}

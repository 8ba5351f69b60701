using FsCheck;
using FsCheck.Fluent;
using Onnxc.Passes.Sparsity;

namespace Onnxc.Tests.Sparsity;

public class Sparse24FormatTests
{
    private static float[] RandomTwoFour(int seed, int n, int k)
    {
        var random = new Random(seed);
        var rows = new float[n * k];
        for (int g = 0; g < n * k / 4; g++)
        {
            int kept = random.Next(3);  // 0, 1 or 2 non-zeros per group
            var positions = Enumerable.Range(0, 4).OrderBy(_ => random.Next()).Take(kept);
            foreach (var p in positions) rows[4 * g + p] = (float)(random.NextDouble() * 2 - 1) + 0.01f;
        }
        return rows;
    }

    [Fact]
    public void Compress_then_decompress_gives_the_rows_back()
    {
        Prop.ForAll(Gen.Choose(1, 9).ToArbitrary(), Gen.Choose(1, 12).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (n, groups, seed) =>
        {
            int k = 4 * groups;
            var rows = RandomTwoFour(seed, n, k);
            var (values, meta) = Sparse24Format.Compress(rows, n, k);
            return values.Length == n * k / 2 && meta.Length == n * ((k + 7) / 8) && Sparse24Format.Decompress(values, meta, n, k).SequenceEqual(rows);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Meta_layout_is_low_nibble_first_with_first_position_in_low_bits()
    {
        // group 0 keeps positions 1,3; group 1 keeps 0,2: nibbles 0b1101 and 0b1000.
        var rows = new float[] { 0, 5, 0, 6, 7, 0, 8, 0 };
        var (values, meta) = Sparse24Format.Compress(rows, 1, 8);
        Assert.Equal(new float[] { 5, 6, 7, 8 }, values);
        Assert.Equal(new byte[] { 0b1000_1101 }, meta);
    }

    [Fact]
    public void Groups_with_fewer_than_two_non_zeros_store_zeros_at_free_positions()
    {
        var rows = new float[] { 0, 0, 3, 0 };
        var (values, meta) = Sparse24Format.Compress(rows, 1, 4);
        Assert.Equal(new float[] { 0, 3 }, values);  // positions 0 and 2
        Assert.Equal(0b10_00, meta[0]);
    }

    [Fact]
    public void K_not_a_multiple_of_4_and_dense_groups_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Sparse24Format.Compress(new float[6], 1, 6));
        Assert.Throws<ArgumentException>(() => Sparse24Format.Compress(new float[] { 1, 2, 3, 0 }, 1, 4));
        Assert.Throws<ArgumentException>(() => MagnitudePruning.Prune(new float[6], 6));
        Assert.False(Sparse24Format.IsTwoFour(new float[6], 1, 6));
    }

    [Fact]
    public void Magnitude_pruning_keeps_the_two_largest_of_every_group()
    {
        Prop.ForAll(Gen.Choose(1, 8).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (groups, seed) =>
        {
            var original = LinearModels.Random(new Random(seed), 4 * groups);
            var rows = (float[])original.Clone();
            MagnitudePruning.Prune(rows, 4 * groups);
            for (int g = 0; g < groups; g++)
            {
                var group = original.Skip(4 * g).Take(4).ToArray();
                var kept = Enumerable.Range(0, 4).Where(p => rows[4 * g + p] != 0).ToArray();
                double smallestKept = kept.Min(p => Math.Abs(group[p]));
                double largestDropped = Enumerable.Range(0, 4).Except(kept).Max(p => Math.Abs(group[p]));
                if (kept.Length != 2 || smallestKept < largestDropped || kept.Any(p => rows[4 * g + p] != group[p])) return false;
            }
            return Sparse24Format.IsTwoFour(rows, 1, 4 * groups);
        }).QuickCheckThrowOnFailure();
    }
}

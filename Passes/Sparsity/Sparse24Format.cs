namespace Onnxc.Passes.Sparsity;

/// <summary>
/// The compressed 2:4 layout of com.onnxc SparseMatMul24 (same as Backends/CustomOps/native/src/sparse24_format.h).
/// Weights are rows along the reduction axis K, one row per output column: values [N, K/2] keep the two weights of
/// every group of 4 in k order; meta [N, ceil(K/8)] holds 4 bits per group (low nibble: even group, high nibble: odd
/// group; bits 0-1 the first kept position, bits 2-3 the second, first &lt; second).
/// </summary>
public static class Sparse24Format
{
    public static int MetaBytesPerRow(int k) => (k + 7) / 8;

    /// <summary>Whether every group of 4 along each row holds at most 2 non-zeros (K must be a multiple of 4).</summary>
    public static bool IsTwoFour(ReadOnlySpan<float> rows, int n, int k)
    {
        if (k % 4 != 0) return false;
        for (int i = 0; i < n * k; i += 4)
        {
            int nonZero = (rows[i] != 0 ? 1 : 0) + (rows[i + 1] != 0 ? 1 : 0) + (rows[i + 2] != 0 ? 1 : 0) + (rows[i + 3] != 0 ? 1 : 0);
            if (nonZero > 2) return false;
        }
        return true;
    }

    /// <summary>
    /// Compresses 2:4-sparse rows [N, K]. A group with fewer than 2 non-zeros stores explicit zeros at its lowest free
    /// positions. Throws when K is not a multiple of 4 or a group has more than 2 non-zeros.
    /// </summary>
    public static (float[] Values, byte[] Meta) Compress(ReadOnlySpan<float> rows, int n, int k)
    {
        if (k % 4 != 0) throw new ArgumentException($"K = {k} is not a multiple of 4", nameof(k));
        if (rows.Length != n * k) throw new ArgumentException($"{rows.Length} weights do not fill [{n}, {k}]", nameof(rows));
        int metaRow = MetaBytesPerRow(k);
        var values = new float[n * k / 2];
        var meta = new byte[n * metaRow];
        for (int row = 0; row < n; row++)
        {
            for (int g = 0; g < k / 4; g++)
            {
                int start = row * k + 4 * g, mask = 0, count = 0;
                for (int p = 0; p < 4; p++)
                {
                    if (rows[start + p] == 0) continue;
                    if (++count > 2) throw new ArgumentException($"row {row}, group {g} has more than 2 non-zeros", nameof(rows));
                    mask |= 1 << p;
                }
                // A group with fewer than 2 non-zeros stores zeros at its lowest free positions.
                for (int p = 0; count < 2; p++)
                {
                    if ((mask & (1 << p)) == 0) { mask |= 1 << p; count++; }
                }
                int first = System.Numerics.BitOperations.TrailingZeroCount(mask);
                int second = System.Numerics.BitOperations.TrailingZeroCount(mask & ~(1 << first));
                values[row * k / 2 + 2 * g] = rows[start + first];
                values[row * k / 2 + 2 * g + 1] = rows[start + second];
                int nibble = first | (second << 2);
                meta[row * metaRow + g / 2] |= (byte)(nibble << (g % 2 * 4));
            }
        }
        return (values, meta);
    }

    /// <summary>The dense rows [N, K] that compressed values and meta stand for.</summary>
    public static float[] Decompress(ReadOnlySpan<float> values, ReadOnlySpan<byte> meta, int n, int k)
    {
        if (k % 4 != 0) throw new ArgumentException($"K = {k} is not a multiple of 4", nameof(k));
        int metaRow = MetaBytesPerRow(k);
        if (values.Length != n * k / 2 || meta.Length != n * metaRow) throw new ArgumentException($"values/meta do not match [{n}, {k}]");
        var rows = new float[n * k];
        for (int row = 0; row < n; row++)
        {
            for (int g = 0; g < k / 4; g++)
            {
                int nibble = (meta[row * metaRow + g / 2] >> (g % 2 * 4)) & 0xF;
                int first = nibble & 3, second = nibble >> 2;
                if (first >= second) throw new ArgumentException($"row {row}, group {g}: positions {first},{second} are not increasing");
                rows[row * k + 4 * g + first] = values[row * k / 2 + 2 * g];
                rows[row * k + 4 * g + second] = values[row * k / 2 + 2 * g + 1];
            }
        }
        return rows;
    }
}

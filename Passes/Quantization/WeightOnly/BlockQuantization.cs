namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>How weights are quantized: bits per code, codes per block along K, and whether blocks carry a zero point.</summary>
public sealed record BlockQuantConfig(int Bits, int BlockSize, bool Symmetric)
{
    public int MaxCode => (1 << Bits) - 1;

    /// <summary>The zero point MatMulNBits assumes when none is given: 2^(bits-1).</summary>
    public int DefaultZeroPoint => 1 << (Bits - 1);

    public int BlocksPerRow(int k) => (k + BlockSize - 1) / BlockSize;

    /// <summary>Throws with a reason unless MatMulNBits accepts this configuration.</summary>
    public void Validate()
    {
        if (Bits is not (4 or 8)) throw new ArgumentException($"bits must be 4 or 8, not {Bits}");
        if (BlockSize < 16 || BlockSize > 256 || (BlockSize & (BlockSize - 1)) != 0)
        {
            throw new ArgumentException($"block size must be a power of two in [16, 256], not {BlockSize}");
        }
    }
}

/// <summary>
/// A weight quantized for MatMulNBits, unpacked: Wt[N, K] (row n = output column n of the MatMul) as one code per
/// element, a scale per (n, group) and, when asymmetric, a zero point per (n, group). Dequantized value:
/// (code - zero_point) · scale. A group is the block k / block_size unless <see cref="GroupIndex"/> says otherwise.
/// </summary>
public sealed class QuantizedWeight
{
    public QuantizedWeight(int n, int k, BlockQuantConfig config)
    {
        N = n;
        K = k;
        Config = config;
        Codes = new byte[(long)n * k];
        Scales = new float[n * config.BlocksPerRow(k)];
        ZeroPoints = config.Symmetric ? null : new byte[Scales.Length];
    }

    public int N { get; }

    public int K { get; }

    public BlockQuantConfig Config { get; }

    public int BlocksPerRow => Config.BlocksPerRow(K);

    public byte[] Codes { get; }

    public float[] Scales { get; }

    public byte[]? ZeroPoints { get; }

    /// <summary>
    /// MatMulNBits' g_idx: the group of each input index (int32 [K]), set when GPTQ's act-order forms groups in
    /// processing order; null for the plain layout, where input k belongs to group k / block_size.
    /// </summary>
    public int[]? GroupIndex { get; init; }

    public int GroupOf(int k) => GroupIndex?[k] ?? k / Config.BlockSize;

    public int ZeroPoint(int n, int block) => ZeroPoints?[n * BlocksPerRow + block] ?? Config.DefaultZeroPoint;

    /// <summary>Wt[N, K] as floats, computed exactly as ONNX Runtime dequantizes (float32 (code - zp) · scale).</summary>
    public float[] Dequantize()
    {
        var result = new float[(long)N * K];
        for (int n = 0; n < N; n++)
        {
            for (int kk = 0; kk < K; kk++)
            {
                int block = GroupOf(kk);
                result[(long)n * K + kk] = (Codes[(long)n * K + kk] - ZeroPoint(n, block)) * Scales[n * BlocksPerRow + block];
            }
        }
        return result;
    }
}

/// <summary>Round-to-nearest block quantization and its per-block parameters.</summary>
public static class BlockQuantizer
{
    /// <summary>Scale and zero point for one block: symmetric uses max|w|/(2^(b-1)-1) around 2^(b-1); asymmetric spans [min(w,0), max(w,0)].</summary>
    public static (float Scale, int ZeroPoint) BlockParameters(ReadOnlySpan<float> block, BlockQuantConfig config)
    {
        float min = 0, max = 0;
        foreach (var v in block)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (config.Symmetric)
        {
            float absMax = Math.Max(-min, max);
            float scale = absMax / (config.DefaultZeroPoint - 1);
            return (scale > 0 ? scale : 1f, config.DefaultZeroPoint);
        }
        float range = max - min;
        if (range <= 0) return (1f, 0);
        float s = range / config.MaxCode;
        int zp = (int)Math.Clamp(MathF.Round(-min / s), 0, config.MaxCode);
        return (s, zp);
    }

    /// <summary>The code of one value: round(w / scale) + zero point, clamped to the code range.</summary>
    public static byte Quantize(float w, float scale, int zeroPoint, int maxCode) =>
        (byte)Math.Clamp((int)MathF.Round(w / scale) + zeroPoint, 0, maxCode);

    /// <summary>Quantizes Wt[N, K] (row-major) block by block along K with round-to-nearest.</summary>
    public static QuantizedWeight Quantize(ReadOnlySpan<float> wt, int n, int k, BlockQuantConfig config)
    {
        config.Validate();
        if (wt.Length != (long)n * k) throw new ArgumentException($"{wt.Length} weights do not fill [{n}, {k}]");
        var result = new QuantizedWeight(n, k, config);
        int blocks = result.BlocksPerRow;
        for (int row = 0; row < n; row++)
        {
            for (int b = 0; b < blocks; b++)
            {
                int start = b * config.BlockSize, length = Math.Min(config.BlockSize, k - start);
                var values = wt.Slice(row * k + start, length);
                var (scale, zp) = BlockParameters(values, config);
                result.Scales[row * blocks + b] = scale;
                if (result.ZeroPoints is { } zps) zps[row * blocks + b] = (byte)zp;
                for (int i = 0; i < length; i++) result.Codes[(long)row * k + start + i] = Quantize(values[i], scale, zp, config.MaxCode);
            }
        }
        return result;
    }
}

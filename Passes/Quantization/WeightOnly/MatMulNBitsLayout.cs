namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>
/// ONNX Runtime's com.microsoft.MatMulNBits packing: B is uint8 [N, k_blocks, blob_size] with
/// blob_size = block_size·bits/8, codes packed low bits first along K (the tail of the last block is zero);
/// 4-bit zero points are packed two per byte, low nibble first, ceil(k_blocks/2) bytes per row; 8-bit ones one per byte.
/// </summary>
public static class MatMulNBitsLayout
{
    public static int BlobSize(BlockQuantConfig config) => config.BlockSize * config.Bits / 8;

    /// <summary>Packs one code per element of Wt[N, K] into B's bytes.</summary>
    public static byte[] PackCodes(ReadOnlySpan<byte> codes, int n, int k, BlockQuantConfig config)
    {
        int blocks = config.BlocksPerRow(k), blob = BlobSize(config);
        var packed = new byte[(long)n * blocks * blob];
        int perByte = 8 / config.Bits;
        for (int row = 0; row < n; row++)
        {
            long rowBase = (long)row * blocks * blob;
            for (int kk = 0; kk < k; kk++)
            {
                int code = codes[row * k + kk];
                if (code >> config.Bits != 0) throw new ArgumentException($"code {code} does not fit in {config.Bits} bits");
                // Blocks are contiguous in K, so the byte index within the row is kk / perByte.
                packed[rowBase + kk / perByte] |= (byte)(code << (kk % perByte * config.Bits));
            }
        }
        return packed;
    }

    /// <summary>The inverse of <see cref="PackCodes"/>: one code per element of Wt[N, K].</summary>
    public static byte[] UnpackCodes(ReadOnlySpan<byte> packed, int n, int k, BlockQuantConfig config)
    {
        int blocks = config.BlocksPerRow(k), blob = BlobSize(config), perByte = 8 / config.Bits, mask = config.MaxCode;
        var codes = new byte[(long)n * k];
        for (int row = 0; row < n; row++)
        {
            long rowBase = (long)row * blocks * blob;
            for (int kk = 0; kk < k; kk++) codes[(long)row * k + kk] = (byte)((packed[(int)(rowBase + kk / perByte)] >> (kk % perByte * config.Bits)) & mask);
        }
        return codes;
    }

    /// <summary>Zero points [N, k_blocks] in MatMulNBits' uint8 layout.</summary>
    public static byte[] PackZeroPoints(ReadOnlySpan<byte> zeroPoints, int n, int blocks, BlockQuantConfig config)
    {
        if (config.Bits == 8) return zeroPoints.ToArray();
        int perRow = (blocks * config.Bits + 7) / 8, perByte = 8 / config.Bits;
        var packed = new byte[n * perRow];
        for (int row = 0; row < n; row++)
        {
            for (int b = 0; b < blocks; b++) packed[row * perRow + b / perByte] |= (byte)(zeroPoints[row * blocks + b] << (b % perByte * config.Bits));
        }
        return packed;
    }

    public static byte[] UnpackZeroPoints(ReadOnlySpan<byte> packed, int n, int blocks, BlockQuantConfig config)
    {
        if (config.Bits == 8) return packed.ToArray();
        int perRow = (blocks * config.Bits + 7) / 8, perByte = 8 / config.Bits;
        var result = new byte[n * blocks];
        for (int row = 0; row < n; row++)
        {
            for (int b = 0; b < blocks; b++) result[row * blocks + b] = (byte)((packed[row * perRow + b / perByte] >> (b % perByte * config.Bits)) & config.MaxCode);
        }
        return result;
    }
}

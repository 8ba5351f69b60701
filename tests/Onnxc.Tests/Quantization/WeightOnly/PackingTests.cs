using Onnxc.Passes.Quantization.WeightOnly;
using Onnxc.Tests.Calibration;

namespace Onnxc.Tests.Quantization.WeightOnly;

public class PackingTests
{
    public static TheoryData<int, int, int, int, bool> Shapes => new()
    {
        { 4, 16, 3, 16, true }, { 4, 40, 5, 32, false }, { 4, 33, 2, 16, false }, { 8, 40, 3, 16, false },
        { 8, 300, 2, 128, true }, { 4, 257, 1, 256, false }, { 4, 64, 7, 64, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Codes_and_zero_points_unpack_to_what_was_packed(int bits, int k, int n, int blockSize, bool symmetric)
    {
        var config = new BlockQuantConfig(bits, blockSize, symmetric);
        var random = new Random(k * 31 + n);
        var codes = new byte[n * k];
        for (int i = 0; i < codes.Length; i++) codes[i] = (byte)random.Next(config.MaxCode + 1);
        int blocks = config.BlocksPerRow(k);
        var zps = new byte[n * blocks];
        for (int i = 0; i < zps.Length; i++) zps[i] = (byte)random.Next(config.MaxCode + 1);

        var packed = MatMulNBitsLayout.PackCodes(codes, n, k, config);
        var packedZp = MatMulNBitsLayout.PackZeroPoints(zps, n, blocks, config);

        Assert.Equal((long)n * blocks * blockSize * bits / 8, packed.Length);
        Assert.Equal(n * ((blocks * bits + 7) / 8), packedZp.Length);
        Assert.Equal(codes, MatMulNBitsLayout.UnpackCodes(packed, n, k, config));
        Assert.Equal(zps, MatMulNBitsLayout.UnpackZeroPoints(packedZp, n, blocks, config));
    }

    [Fact]
    public void Four_bit_codes_go_low_nibble_first_along_k()
    {
        var config = new BlockQuantConfig(4, 16, true);
        var codes = new byte[16];
        codes[0] = 0x3;
        codes[1] = 0xA;
        codes[15] = 0xF;
        var packed = MatMulNBitsLayout.PackCodes(codes, 1, 16, config);
        Assert.Equal(0xA3, packed[0]);
        Assert.Equal(0xF0, packed[7]);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Rounding_moves_each_weight_by_at_most_half_a_step(int bits, int k, int n, int blockSize, bool symmetric)
    {
        var config = new BlockQuantConfig(bits, blockSize, symmetric);
        var wt = LinearModels.RandomMatrix(n, k, seed: bits + k, scale: 3);
        var quantized = BlockQuantizer.Quantize(wt, n, k, config);
        var restored = quantized.Dequantize();
        for (int row = 0; row < n; row++)
        {
            for (int i = 0; i < k; i++)
            {
                float scale = quantized.Scales[row * quantized.BlocksPerRow + i / blockSize];
                Assert.InRange(Math.Abs(wt[row * k + i] - restored[row * k + i]), 0, scale * 0.5f * 1.0001f);
            }
        }
    }
}

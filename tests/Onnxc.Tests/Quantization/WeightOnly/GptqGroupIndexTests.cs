using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Calibration;
using Onnxc.Passes.Quantization.WeightOnly;
using Onnxc.Tests.Calibration;

namespace Onnxc.Tests.Quantization.WeightOnly;

/// <summary>GPTQ act-order with groups in processing order, emitted as MatMulNBits' g_idx and run by ONNX Runtime.</summary>
public class GptqGroupIndexTests
{
    private const int K = 96, N = 8, Rows = 4;

    /// <summary>Inputs whose columns differ in scale, so act-order's order is far from the identity.</summary>
    private static CalibrationData UnevenInputs(int samples)
    {
        var inputs = Enumerable.Range(0, samples).Select(s =>
        {
            var x = LinearModels.RandomMatrix(Rows, K, seed: 70 + s);
            for (int i = 0; i < x.Length; i++) x[i] *= 1 + (i % K * 37 % 11);
            return new InputSample { ["x"] = new TensorValue(Tensor.FromArray(x, 1, Rows, K)) };
        }).ToArray();
        return CalibrationData.FromSamples(inputs, "test");
    }

    private static QuantizeWeights GroupIndexPass(int bits, bool symmetric, int blockSize = 16) => new(new QuantizeWeightsOptions
    {
        Bits = bits,
        BlockSize = blockSize,
        Symmetric = symmetric,
        Method = WeightQuantMethod.Gptq,
        Gptq = new GptqOptions { ActOrder = true, GroupIndex = true },
        Calibration = _ => new CalibrationService(UnevenInputs(8)),
    });

    [Theory]
    [InlineData(4, true)]
    [InlineData(4, false)]
    public void Runtime_output_equals_the_reference_dequantized_through_g_idx(int bits, bool symmetric)
    {
        var weights = LinearModels.RandomMatrix(K, N, seed: 3);
        using var model = LinearModels.MatMulRelu(K, N, weights, Rows);
        var config = new BlockQuantConfig(bits, 16, symmetric);

        Assert.True(GroupIndexPass(bits, symmetric).Run(model, new PassContext()).Changed);

        var node = model.Graph.Nodes.First();
        Assert.True(node.Is("MatMulNBits", "com.microsoft"));
        var groups = node.Input(4)!.Initializer!.ToArray<int>();
        Assert.Equal(K, groups.Length);
        // Every group holds exactly block_size inputs, and act-order made them differ from the plain blocks.
        Assert.All(groups.GroupBy(g => g), g => Assert.Equal(16, g.Count()));
        Assert.NotEqual(Enumerable.Range(0, K).Select(i => i / 16), groups);
        var codes = MatMulNBitsLayout.UnpackCodes(node.Input(1)!.Initializer!.AsSpan<byte>(), N, K, config);
        var scales = node.Input(2)!.Initializer!.ToArray<float>();
        int blocks = config.BlocksPerRow(K);
        // With g_idx the zero points are float per group (see MatMulNBitsEmitter).
        var zps = symmetric ? null : node.Input(3)!.Initializer!.ToArray<float>();
        var x = LinearModels.RandomMatrix(Rows, K, seed: 5);

        var actual = MatMulNBitsGoldenTests.RunOrt(model, Tensor.FromArray(x, 1, Rows, K));

        for (int r = 0; r < Rows; r++)
        {
            for (int j = 0; j < N; j++)
            {
                double sum = 0;
                for (int i = 0; i < K; i++)
                {
                    int g = groups[i];
                    sum += (double)x[r * K + i] * (codes[j * K + i] - (zps?[j * blocks + g] ?? config.DefaultZeroPoint)) * scales[j * blocks + g];
                }
                Assert.Equal(Math.Max(0, sum), actual[r * N + j], 1e-4);
            }
        }
    }

    [Fact]
    public void Groups_in_processing_order_fit_better_than_static_groups_and_rtn()
    {
        var wt = LinearModels.RandomMatrix(N * 4, K, seed: 11);
        var stat = new HessianStatistic(K);
        foreach (var sample in UnevenInputs(16).Samples) stat.Accumulate(((TensorValue)sample["x"]!).Tensor);
        var h = stat.Mean();
        var config = new BlockQuantConfig(4, 16, false);

        double Error(QuantizedWeight q) => LayerError.Relative(wt, q.Dequantize(), N * 4, K, h);
        double rtn = Error(BlockQuantizer.Quantize(wt, N * 4, K, config));
        double staticGroups = Error(GptqQuantizer.Quantize(wt, N * 4, K, h, config, new GptqOptions { ActOrder = true }));
        double groupIndex = Error(GptqQuantizer.Quantize(wt, N * 4, K, h, config, new GptqOptions { ActOrder = true, GroupIndex = true }));

        Assert.True(groupIndex < 0.9 * rtn, $"g_idx {groupIndex:G4} vs RTN {rtn:G4}");
        Assert.True(groupIndex <= staticGroups, $"g_idx {groupIndex:G4} vs static groups {staticGroups:G4}");
    }

    [Fact]
    public void Eight_bit_weights_with_g_idx_are_refused_with_the_reason()
    {
        using var model = LinearModels.MatMulRelu(K, N, LinearModels.RandomMatrix(K, N, seed: 3), Rows);
        var error = Assert.Throws<ArgumentException>(() => GroupIndexPass(8, true).Run(model, new PassContext()));
        Assert.Contains("needs 4-bit", error.Message);
        Assert.Equal("MatMul", model.Graph.Nodes.First().OpType);
    }

    [Fact]
    public void Group_index_without_act_order_is_the_plain_layout()
    {
        var wt = LinearModels.RandomMatrix(N, K, seed: 12);
        var h = new double[K * K];
        for (int i = 0; i < K; i++) h[i * K + i] = 1 + i % 7;
        var config = new BlockQuantConfig(4, 32, true);

        var plain = GptqQuantizer.Quantize(wt, N, K, h, config);
        var flagged = GptqQuantizer.Quantize(wt, N, K, h, config, new GptqOptions { GroupIndex = true });

        Assert.Null(flagged.GroupIndex);
        Assert.Equal(plain.Codes, flagged.Codes);
    }

    [Theory]
    [InlineData(4, true)]
    [InlineData(32, false)]
    public void Fewer_calibration_rows_than_inputs_are_warned_about(int samples, bool warned)
    {
        // K = 96 inputs; each sample has 4 rows: 4 samples give 16 rows (rank-deficient), 32 give 128.
        using var model = LinearModels.MatMulRelu(K, N, LinearModels.RandomMatrix(K, N, seed: 3), Rows);
        var pass = new QuantizeWeights(new QuantizeWeightsOptions { Method = WeightQuantMethod.Gptq, Calibration = _ => new CalibrationService(UnevenInputs(samples)) });

        pass.Run(model, new PassContext());

        Assert.Equal(warned, pass.Report.Warnings.Any(w => w.Contains($"has {samples * Rows} rows", StringComparison.Ordinal) && w.Contains("K = 96", StringComparison.Ordinal)));
        Assert.Equal(warned ? 1 : 0, pass.Report.Warnings.Count);
    }
}

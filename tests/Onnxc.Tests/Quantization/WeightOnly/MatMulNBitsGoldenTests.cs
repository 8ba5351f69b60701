using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Quantization.WeightOnly;
using Onnxc.Tests.Calibration;

namespace Onnxc.Tests.Quantization.WeightOnly;

/// <summary>ONNX Runtime's MatMulNBits on our packed weights must equal x · dequantize(W) computed here.</summary>
public class MatMulNBitsGoldenTests
{
    [Theory]
    [InlineData(4, 32, true)]
    [InlineData(4, 16, false)]
    [InlineData(8, 32, true)]
    [InlineData(8, 16, false)]
    [InlineData(4, 64, false)]
    public void Runtime_output_equals_the_dequantized_reference(int bits, int blockSize, bool symmetric)
    {
        const int k = 72, n = 6, rows = 3;
        var weights = LinearModels.RandomMatrix(k, n, seed: bits * 100 + blockSize);
        using var model = LinearModels.MatMulRelu(k, n, weights, rows);
        var pass = new QuantizeWeights(new QuantizeWeightsOptions { Bits = bits, BlockSize = blockSize, Symmetric = symmetric });

        var result = pass.Run(model, new PassContext());

        Assert.True(result.Changed);
        var node = model.Graph.Nodes.First();
        Assert.True(node.Is("MatMulNBits", "com.microsoft"));
        Assert.Equal(symmetric ? 3 : 4, node.Inputs.Count);
        // Rebuild the quantized weight from the emitted initializers, as ORT will read them.
        var config = new BlockQuantConfig(bits, blockSize, symmetric);
        var codes = MatMulNBitsLayout.UnpackCodes(node.Input(1)!.Initializer!.AsSpan<byte>(), n, k, config);
        var scales = node.Input(2)!.Initializer!.ToArray<float>();
        int blocks = config.BlocksPerRow(k);
        var zps = symmetric ? null : MatMulNBitsLayout.UnpackZeroPoints(node.Input(3)!.Initializer!.AsSpan<byte>(), n, blocks, config);
        var x = LinearModels.RandomMatrix(rows, k, seed: 5);

        var actual = RunOrt(model, Tensor.FromArray(x, 1, rows, k));

        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int i = 0; i < k; i++)
                {
                    int b = i / blockSize;
                    float w = (codes[j * k + i] - (zps?[j * blocks + b] ?? config.DefaultZeroPoint)) * scales[j * blocks + b];
                    sum += (double)x[r * k + i] * w;
                }
                Assert.Equal(Math.Max(0, sum), actual[r * n + j], 1e-4);
            }
        }
    }

    [Fact]
    public void Gemm_with_transposed_weight_alpha_and_bias_keeps_its_output()
    {
        const int k = 48, n = 4, rows = 2;
        var w = LinearModels.RandomMatrix(n, k, seed: 9);
        var bias = new[] { 0.5f, -1f, 2f, 0f };
        var graph = new Graph("gemm");
        var xValue = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(rows, k))));
        var gemm = graph.Append("Gemm", new[] { xValue, graph.AddInitializer("w", Tensor.FromArray(w, n, k)), graph.AddInitializer("c", Tensor.FromArray(bias, n)) },
            attributes: new[] { Onnxc.Ir.Attribute.Int("transB", 1), Onnxc.Ir.Attribute.Float("alpha", 0.5f), Onnxc.Ir.Attribute.Float("beta", 2f) });
        graph.AddOutput(gemm.Output());
        using var model = new Model(graph) { IrVersion = 8 };
        model.OpsetImports.Add(new OpsetImport("", 17));
        var x = LinearModels.RandomMatrix(rows, k, seed: 10);
        var before = RunOrt(model, Tensor.FromArray(x, rows, k));

        new QuantizeWeights(new QuantizeWeightsOptions { Bits = 8, BlockSize = 16 }).Run(model, new PassContext());
        var after = RunOrt(model, Tensor.FromArray(x, rows, k));

        Assert.True(model.Graph.Nodes.Single().Is("MatMulNBits", "com.microsoft"));
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name is "w" or "c");
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i], 0.02);
    }

    [Fact]
    public void Excluded_layers_stay_float()
    {
        using var model = LinearModels.MatMulRelu(32, 4, LinearModels.RandomMatrix(32, 4, seed: 1));
        var pass = new QuantizeWeights(new QuantizeWeightsOptions { Exclude = new[] { "pro?" } });
        Assert.False(pass.Run(model, new PassContext()).Changed);
        Assert.Equal("excluded by pattern", pass.Report.Layers.Single().Skipped);
    }

    internal static float[] RunOrt(Model model, Tensor x)
    {
        var dir = Directory.CreateTempSubdirectory("onnxc-nbits-");
        try
        {
            var path = Path.Combine(dir.FullName, "m.onnx");
            OnnxExporter.Save(model, path);
            using var runner = new OrtRunner(path);
            var output = runner.Run(new Dictionary<string, RuntimeValue?> { [model.Graph.Inputs[0].Name] = x });
            return ((TensorValue)output[0].Value!).Tensor.ToArray<float>();
        }
        finally
        {
            dir.Delete(true);
        }
    }
}

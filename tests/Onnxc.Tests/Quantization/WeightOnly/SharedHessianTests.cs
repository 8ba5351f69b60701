using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Calibration;
using Onnxc.Passes.Quantization.WeightOnly;
using Onnxc.Tests.Calibration;

namespace Onnxc.Tests.Quantization.WeightOnly;

public class SharedHessianTests
{
    /// <summary>Three projections of one input (like Q, K, V) plus one of another value: three layers share a Hessian.</summary>
    private static Model Projections(int k, int n, int rows, float[][] weights)
    {
        var graph = new Graph("qkv");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, new Shape(new[] { Dim.Named("batch"), Dim.Of(rows), Dim.Of(k) }))));
        var relu = graph.Append("Relu", new[] { x }, outputHint: "r");
        for (int i = 0; i < 3; i++)
        {
            var w = graph.AddInitializer($"w{i}", Tensor.FromArray(weights[i], k, n));
            graph.AddOutput(graph.Append("MatMul", new[] { x, w }, name: $"proj{i}", outputHint: $"y{i}").Output());
        }
        var w3 = graph.AddInitializer("w3", Tensor.FromArray(weights[3], k, n));
        graph.AddOutput(graph.Append("MatMul", new[] { relu.Output(), w3 }, name: "proj3", outputHint: "y3").Output());
        var model = new Model(graph) { IrVersion = 8 };
        model.OpsetImports.Add(new OpsetImport("", 17));
        return model;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Layers_sharing_an_input_quantize_as_if_each_had_its_own_hessian(bool actOrder)
    {
        const int k = 96, n = 20, rows = 8, samples = 6;
        var weights = Enumerable.Range(0, 4).Select(i => LinearModels.RandomMatrix(k, n, seed: 20 + i)).ToArray();
        using var model = Projections(k, n, rows, weights);
        var inputs = Enumerable.Range(0, samples).Select(s => LinearModels.RandomMatrix(rows, k, seed: 40 + s)).ToArray();
        // One column never fires: its weights must be dropped in every layer that shares the input.
        foreach (var x in inputs) for (int r = 0; r < rows; r++) x[r * k + 5] = 0;
        var data = CalibrationData.FromSamples(inputs.Select(x => new InputSample { ["x"] = new TensorValue(Tensor.FromArray(x, 1, rows, k)) }).ToArray(), "test");
        var gptq = new GptqOptions { ActOrder = actOrder };
        var config = new BlockQuantConfig(4, 32, false);
        var pass = new QuantizeWeights(new QuantizeWeightsOptions { Method = WeightQuantMethod.Gptq, Symmetric = false, Gptq = gptq, Calibration = _ => new CalibrationService(data) });

        // The same Hessians, accumulated and used separately per layer.
        var direct = new HessianStatistic(k);
        var relu = new HessianStatistic(k);
        foreach (var x in inputs)
        {
            direct.Accumulate(Tensor.FromArray(x, 1, rows, k));
            relu.Accumulate(Tensor.FromArray(x.Select(v => Math.Max(v, 0f)).ToArray(), 1, rows, k));
        }
        var expected = weights.Select((w, i) => GptqQuantizer.Quantize(Transpose(w, k, n), n, k, (i < 3 ? direct : relu).Mean(), config, gptq)).ToArray();

        Assert.True(pass.Run(model, new PassContext()).Changed);

        var nodes = model.Graph.Nodes.Where(node => node.Is("MatMulNBits", "com.microsoft")).OrderBy(node => node.Name).ToArray();
        Assert.Equal(4, nodes.Length);
        for (int i = 0; i < 4; i++)
        {
            var codes = MatMulNBitsLayout.UnpackCodes(nodes[i].Input(1)!.Initializer!.AsSpan<byte>(), n, k, config);
            Assert.Equal(expected[i].Codes, codes);
            Assert.Equal(expected[i].Scales, nodes[i].Input(2)!.Initializer!.ToArray<float>());
        }
        Assert.All(pass.Report.Layers, l => Assert.True(l.RelativeError < 0.05, $"{l.Node}: {l.RelativeError}"));
    }

    private static float[] Transpose(float[] w, int k, int n)
    {
        var t = new float[w.Length];
        for (int i = 0; i < k; i++) for (int j = 0; j < n; j++) t[j * k + i] = w[i * n + j];
        return t;
    }
}

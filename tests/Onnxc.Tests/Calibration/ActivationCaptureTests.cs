using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Ir.Text;
using Onnxc.Passes.Calibration;

namespace Onnxc.Tests.Calibration;

public class ActivationCaptureTests
{
    [Fact]
    public void Captures_intermediate_values_and_leaves_the_model_as_it_was()
    {
        const int k = 6, n = 5;
        var weights = LinearModels.RandomMatrix(k, n, seed: 3);
        using var model = LinearModels.MatMulRelu(k, n, weights);
        var before = IrPrinter.Print(model);
        var inputs = new[] { new ModelPort("x", model.Graph.Inputs[0].Type!) };
        var data = CalibrationData.Generate(inputs, count: 4, seed: 7, new Dictionary<string, long> { ["batch"] = 2 });
        var x = model.Graph.Inputs[0];
        var h = model.Graph.Nodes.First().Output();
        var service = new CalibrationService(data);

        var hessians = service.CollectHessians(model, new[] { (x, k) });
        var minMax = service.CollectMinMax(model, new[] { h, model.Graph.Outputs[0] });

        Assert.Equal(before, IrPrinter.Print(model));
        Assert.True(data.IsGenerated);
        Assert.Equal(2, service.Runs);
        Assert.Equal(4 * 2 * 3, hessians[x].Rows);
        // Recompute h = x·W for every sample to check what ORT handed back.
        float min = float.MaxValue, max = float.MinValue;
        foreach (var sample in data.Samples)
        {
            var xs = ((TensorValue)sample["x"]!).Tensor.AsSpan<float>();
            for (int r = 0; r < xs.Length / k; r++)
            {
                for (int j = 0; j < n; j++)
                {
                    float sum = 0;
                    for (int i = 0; i < k; i++) sum += xs[r * k + i] * weights[i * n + j];
                    min = Math.Min(min, sum);
                    max = Math.Max(max, sum);
                }
            }
        }
        Assert.Equal(min, minMax[h].Min, 4);
        Assert.Equal(max, minMax[h].Max, 4);
        Assert.Equal(Math.Max(0, min), minMax[model.Graph.Outputs[0]].Min, 4);
        Assert.Equal(4, minMax[h].Samples);
    }

    [Fact]
    public void Loading_splits_a_batched_array_into_rows_and_holds_some_back()
    {
        using var model = LinearModels.MatMulRelu(2, 2, new float[4], rows: 1);
        var inputs = new[] { new ModelPort("x", model.Graph.Inputs[0].Type!) };
        var dir = Directory.CreateTempSubdirectory("onnxc-calib-test-");
        try
        {
            var values = Enumerable.Range(0, 10 * 2).Select(i => (float)i).ToArray();
            NpyFormat.Write(Tensor.FromArray(values, 10, 1, 2), Path.Combine(dir.FullName, "x.npy"));

            var all = CalibrationData.Load(dir.FullName, inputs);
            var calibration = all.Take(6);
            var heldBack = all.Skip(6);

            Assert.Equal(10, all.Count);
            Assert.False(all.IsGenerated);
            Assert.Equal(6, calibration.Count);
            Assert.Equal(4, heldBack.Count);
            var first = ((TensorValue)heldBack.Samples[0]["x"]!).Tensor;
            Assert.Equal(new long[] { 1, 1, 2 }, first.Dims);
            Assert.Equal(new[] { 12f, 13f }, first.ToArray<float>());
        }
        finally
        {
            dir.Delete(true);
        }
    }
}

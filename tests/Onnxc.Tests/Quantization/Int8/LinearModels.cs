using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;

namespace Onnxc.Tests.Quantization.Int8;

/// <summary>Small linear-layer models and an ORT round trip for the int8 tests.</summary>
internal static class LinearModels
{
    /// <summary>y = Add(bias, MatMul(x, W)) with x f32[rows, k], W [k, n] ~ uniform with a per-column spread, opset 17.</summary>
    public static (Model Model, float[] Weight, float[] Bias) BiasedLinear(int rows, int k, int n, int seed, bool withBias = true)
    {
        var random = new Random(seed);
        var weight = new float[k * n];
        // Columns get very different magnitudes, so per-channel scales matter.
        for (int i = 0; i < weight.Length; i++) weight[i] = (float)(random.NextDouble() * 2 - 1) * (1 + (i % n) * 3);
        var bias = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var graph = new Graph("linear");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(rows, k))));
        var w = graph.AddInitializer("W", Tensor.FromArray(weight, k, n));
        var product = graph.Append("MatMul", new[] { x, w }, name: "fc/MatMul");
        var y = product.Output();
        if (withBias)
        {
            var b = graph.AddInitializer("b", Tensor.Vector(bias));
            y = graph.Append("Add", new[] { b, y }, name: "fc/Add").Output();
        }
        y.Type = new TensorType(DataType.Float, Shape.Of(rows, n));
        graph.AddOutput(y);
        var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        return (model, weight, withBias ? bias : new float[n]);
    }

    public static float[] RandomInput(int count, int seed, float low = -3, float high = 5)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(low + random.NextDouble() * (high - low))).ToArray();
    }

    /// <summary>Exports the model and runs it in ORT with all optimizations; returns the first output.</summary>
    public static float[] RunInOrt(Model model, IReadOnlyDictionary<string, Tensor> inputs, OrtOptimizationLevel level = OrtOptimizationLevel.All)
    {
        var folder = Directory.CreateTempSubdirectory("onnxc-int8-");
        try
        {
            var path = Path.Combine(folder.FullName, "model.onnx");
            OnnxExporter.Save(model, path);
            using var runner = new OrtRunner(path, new OrtRunnerOptions { OptimizationLevel = level });
            var outputs = runner.Run(inputs.ToDictionary(p => p.Key, p => (RuntimeValue?)new TensorValue(p.Value)));
            return ((TensorValue)outputs[0].Value!).Tensor.ToArray<float>();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

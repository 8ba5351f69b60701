using Onnxc.Ir;

namespace Onnxc.Tests.Calibration;

/// <summary>Small models built in code for calibration and quantization tests: x[batch, rows, K] → MatMul(W[K, N]) → Relu.</summary>
internal static class LinearModels
{
    public static float[] RandomMatrix(int rows, int cols, int seed, double scale = 1.0)
    {
        var random = new Random(seed);
        var values = new float[rows * cols];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    /// <summary>y = Relu(x · W) with W an initializer; x is f32[batch, rows, k].</summary>
    public static Model MatMulRelu(int k, int n, float[] weights, int rows = 3)
    {
        var graph = new Graph("linear");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, new Shape(new[] { Dim.Named("batch"), Dim.Of(rows), Dim.Of(k) }))));
        var w = graph.AddInitializer("w", Tensor.FromArray(weights, k, n));
        var matmul = graph.Append("MatMul", new[] { x, w }, name: "proj", outputHint: "h");
        var relu = graph.Append("Relu", new[] { matmul.Output() }, outputHint: "y");
        graph.AddOutput(relu.Output());
        var model = new Model(graph) { IrVersion = 8 };
        model.OpsetImports.Add(new OpsetImport("", 17));
        return model;
    }
}

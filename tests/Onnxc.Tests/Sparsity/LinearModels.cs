using Onnxc.Ir;

namespace Onnxc.Tests.Sparsity;

/// <summary>Tiny models around one linear layer, for the 2:4 pass and the custom-op kernel tests.</summary>
internal static class LinearModels
{
    /// <summary>Y = act(A·W + bias) with W [K, N] (MatMul, then Add and Relu when asked).</summary>
    public static Model MatMul(int m, int k, int n, float[] weight, float[]? bias = null, bool relu = false, DataType type = DataType.Float)
    {
        var graph = new Graph("linear");
        var a = graph.AddInput(new Value("a", new TensorType(type, Shape.Of(m, k))));
        var w = graph.AddInitializer("w", Typed(weight, type, k, n));
        var y = graph.Append("MatMul", new[] { a, w }, name: "fc").Output();
        if (bias is not null) y = graph.Append("Add", new[] { y, graph.AddInitializer("b", Typed(bias, type, n)) }, name: "fc_bias").Output();
        if (relu) y = graph.Append("Relu", new[] { y }, name: "fc_relu").Output();
        y.Type = new TensorType(type, Shape.Of(m, n));
        graph.AddOutput(y);
        var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        return model;
    }

    public static Tensor Typed(float[] values, DataType type, params long[] dims) =>
        type == DataType.Float ? Tensor.FromArray(values, dims) : Tensor.FromArray(values.Select(v => (Half)v).ToArray(), dims);

    public static float[] Random(Random random, int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    /// <summary>act(A·W + bias) in double precision, A [M, K], W [K, N].</summary>
    public static double[] Reference(float[] a, float[] w, float[]? bias, int m, int k, int n, bool relu)
    {
        var y = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = bias?[j] ?? 0;
                for (int p = 0; p < k; p++) sum += (double)a[i * k + p] * w[p * n + j];
                y[i * n + j] = relu ? Math.Max(0, sum) : sum;
            }
        }
        return y;
    }
}

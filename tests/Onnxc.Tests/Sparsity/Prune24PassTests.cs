using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Sparsity;

namespace Onnxc.Tests.Sparsity;

public class Prune24PassTests
{
    private static Model Sample(int k = 16, int n = 8, bool bias = true, bool relu = true)
    {
        var random = new Random(3);
        return LinearModels.MatMul(2, k, n, LinearModels.Random(random, k * n), bias ? LinearModels.Random(random, n) : null, relu);
    }

    private static Tensor WeightOf(Model model, string op) => model.Graph.Nodes.Single(n => n.OpType == op).Input(1)!.Initializer!;

    [Fact]
    public void Portable_target_keeps_a_dense_matmul_with_2_4_weights_and_is_idempotent()
    {
        using var model = Sample();
        var pass = new Prune24Pass();
        var result = pass.Run(model, new PassContext());
        Assert.Equal(1, result.Counts["pruned-layers"]);
        var weight = WeightOf(model, "MatMul");
        var w = weight.ToArray<float>();
        // W is [K, N]: 2:4 holds along K, i.e. along columns of the stored matrix.
        var rows = Enumerable.Range(0, 8).SelectMany(col => Enumerable.Range(0, 16).Select(kk => w[kk * 8 + col])).ToArray();
        Assert.True(Sparse24Format.IsTwoFour(rows, 8, 16));
        Assert.Single(model.Graph.Initializers, v => v.Name == "w.2of4");
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name == "w");
        Assert.False(pass.Run(model, new PassContext()).Changed);
    }

    [Fact]
    public void Onnxc_target_fuses_matmul_bias_and_relu_into_SparseMatMul24()
    {
        using var model = Sample();
        var result = new Prune24Pass().Run(model, new PassContext { Target = EmissionTarget.OrtWithOnnxcOps });
        Assert.Equal(1, result.Counts["sparse-matmul24"]);
        var node = Assert.Single(model.Graph.Nodes);
        Assert.True(node.Is("SparseMatMul24", "com.onnxc"));
        Assert.Equal("relu", node.GetString("activation", ""));
        Assert.Equal(new long[] { 8, 8 }, node.Input(1)!.Initializer!.Dims);  // [N, K/2]
        Assert.Equal(new long[] { 8, 2 }, node.Input(2)!.Initializer!.Dims);  // [N, K/8]
        Assert.Equal("b", node.Input(3)!.Name);
        Assert.Equal(1, model.OpsetVersion("com.onnxc"));
        Assert.Same(model.Graph.Outputs[0], node.Output());
        Assert.False(new Prune24Pass().Run(model, new PassContext { Target = EmissionTarget.OrtWithOnnxcOps }).Changed);
    }

    [Fact]
    public void Layers_are_selected_by_name_and_K_not_a_multiple_of_4_stays_dense()
    {
        using var excluded = Sample();
        var options = new Prune24Options { Exclude = new System.Text.RegularExpressions.Regex("^fc$") };
        Assert.False(new Prune24Pass(options).Run(excluded, new PassContext()).Changed);

        using var odd = Sample(k: 10);
        var context = new PassContext { Explain = true };
        Assert.False(new Prune24Pass().Run(odd, context).Changed);
        Assert.Contains(context.Log, e => e.Message.Contains("K = 10 is not a multiple of 4"));
    }

    [Fact]
    public void Too_sensitive_layers_stay_dense()
    {
        using var model = Sample();
        var context = new PassContext { Explain = true };
        // Magnitude 2:4 of uniform weights removes far more than 1% of the norm.
        Assert.False(new Prune24Pass(new Prune24Options { MaxRelativeError = 0.01 }).Run(model, context).Changed);
        Assert.Contains(context.Log, e => e.Message.Contains("too sensitive"));
        Assert.Equal("w", model.Graph.Nodes.Single(n => n.OpType == "MatMul").Input(1)!.Name);
    }

    [Fact]
    public void SparseGpt_without_calibration_is_a_usage_error()
    {
        using var model = Sample();
        var error = Assert.Throws<OnnxcException>(() => new Prune24Pass(new Prune24Options { Method = SparsityMethod.SparseGpt }).Run(model, new PassContext()));
        Assert.Contains("calibration", error.Message);
    }
}

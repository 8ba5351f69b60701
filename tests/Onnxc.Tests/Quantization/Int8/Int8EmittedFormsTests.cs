using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Quantization.Int8;

namespace Onnxc.Tests.Quantization.Int8;

/// <summary>
/// Every int8 form onnxc emits loads and runs in ONNX Runtime (graph as written and fully optimized) and gives what a
/// C# integer reference gives: same uint8 activations, same int8 weights, exact integer sums, one float rescale.
/// </summary>
public class Int8EmittedFormsTests
{
    private const int Rows = 5, K = 48, N = 12;

    public static TheoryData<string, WeightGranularity, OrtOptimizationLevel> Forms()
    {
        var data = new TheoryData<string, WeightGranularity, OrtOptimizationLevel>();
        foreach (var form in new[] { "contrib", "standard", "static" })
        {
            foreach (var granularity in new[] { WeightGranularity.PerTensor, WeightGranularity.PerChannel })
            {
                foreach (var level in new[] { OrtOptimizationLevel.DisableAll, OrtOptimizationLevel.All }) data.Add(form, granularity, level);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Emitted_form_matches_the_integer_reference(string form, WeightGranularity granularity, OrtOptimizationLevel level)
    {
        var (model, weight, bias) = LinearModels.BiasedLinear(Rows, K, N, seed: 7);
        var x = LinearModels.RandomInput(Rows * K, seed: 11);
        var options = new Int8Options { Granularity = granularity, Form = form == "standard" ? DynamicInt8Form.Standard : DynamicInt8Form.Contrib };
        // The static range is deliberately narrower than the data, so clipping is part of what is compared.
        var staticRange = new ActivationRange(-2.5f, 4f, CalibrationMethod.MinMax);
        IPass pass = form == "static"
            ? new QuantizeInt8Static(new Dictionary<string, ActivationRange> { ["x"] = staticRange }, options)
            : new QuantizeInt8Dynamic(options);

        var result = pass.Run(model, new PassContext());

        Assert.Equal(1, result.Counts["quantized-linear"]);
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name == "W");
        var activation = form == "static" ? staticRange.ToUInt8() : QuantParams.AsymmetricUInt8(x.Min(), x.Max());
        var expected = IntegerReference(x, weight, bias, activation, Int8Weight.Quantize(weight, K, N, granularity, reduceRange: true));
        var actual = LinearModels.RunInOrt(model, new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(x, Rows, K) }, level);

        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (1 + Math.Abs(expected[i])),
                $"{form}/{granularity}/{level}: element {i} is {actual[i]}, integer reference {expected[i]}");
        }
    }

    [Fact]
    public void Dynamic_int8_stays_close_to_float()
    {
        var (model, weight, bias) = LinearModels.BiasedLinear(Rows, K, N, seed: 3);
        var x = LinearModels.RandomInput(Rows * K, seed: 4);
        var exact = FloatReference(x, weight, bias);
        new QuantizeInt8Dynamic().Run(model, new PassContext());
        var quantized = LinearModels.RunInOrt(model, new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(x, Rows, K) });

        // Error bound: K products each off by at most |x|·Δw/2 + |w|·Δx/2 (+ the cross term).
        double stepX = (x.Max() - Math.Min(0, x.Min())) / 255.0;
        for (int c = 0; c < N; c++)
        {
            double maxW = Enumerable.Range(0, K).Max(r => Math.Abs(weight[r * N + c]));
            double stepW = maxW / 63;
            double bound = K * (5 * stepW / 2 + maxW * stepX / 2 + stepW * stepX / 4);
            for (int r = 0; r < Rows; r++)
            {
                Assert.True(Math.Abs(exact[r * N + c] - quantized[r * N + c]) <= bound, $"[{r},{c}]: {quantized[r * N + c]} vs {exact[r * N + c]} (bound {bound})");
            }
        }
    }

    [Fact]
    public void Standard_form_uses_only_standard_operators_and_contrib_form_folds_the_bias()
    {
        var (standard, _, _) = LinearModels.BiasedLinear(Rows, K, N, seed: 1);
        new QuantizeInt8Dynamic(new Int8Options { Form = DynamicInt8Form.Standard }).Run(standard, new PassContext());
        Assert.All(standard.Graph.Nodes, n => Assert.Equal("", n.Domain));
        Assert.Equal(new[] { "DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul", "Add" }, standard.Graph.Nodes.Select(n => n.OpType));

        var (contrib, _, _) = LinearModels.BiasedLinear(Rows, K, N, seed: 1);
        new QuantizeInt8Dynamic().Run(contrib, new PassContext());
        var node = Assert.Single(contrib.Graph.Nodes);
        Assert.Equal(("DynamicQuantizeMatMul", "com.microsoft", 5), (node.OpType, node.Domain, node.Inputs.Count));
        Assert.Equal(1, contrib.OpsetVersion("com.microsoft"));
    }

    [Fact]
    public void Second_run_changes_nothing_and_unselected_layers_stay_float()
    {
        var (model, _, _) = LinearModels.BiasedLinear(Rows, K, N, seed: 1);
        Assert.True(new QuantizeInt8Dynamic().Run(model, new PassContext()).Changed);
        Assert.False(new QuantizeInt8Dynamic().Run(model, new PassContext()).Changed);

        var (skipped, _, _) = LinearModels.BiasedLinear(Rows, K, N, seed: 1);
        var context = new PassContext { Explain = true };
        Assert.False(new QuantizeInt8Dynamic(new Int8Options { IncludeLayer = id => id != "fc/MatMul" }).Run(skipped, context).Changed);
        Assert.Contains(context.Log, e => e.Message.Contains("layer not selected"));
    }

    [Fact]
    public void Static_pass_without_a_range_says_which_activation_is_missing()
    {
        var (model, _, _) = LinearModels.BiasedLinear(Rows, K, N, seed: 1);
        var context = new PassContext { Explain = true };
        var result = new QuantizeInt8Static(new Dictionary<string, ActivationRange>()).Run(model, context);
        Assert.False(result.Changed);
        Assert.Contains(context.Log, e => e.Message.Contains("no calibrated range for activation 'x'"));
    }

    private static float[] IntegerReference(float[] x, float[] weight, float[] bias, QuantParams activation, Int8Weight w)
    {
        var qx = x.Select(v => activation.Quantize(v, 0, 255)).ToArray();
        var y = new float[Rows * N];
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < N; c++)
            {
                long sum = 0;
                for (int k = 0; k < K; k++) sum += (long)(qx[r * K + k] - activation.ZeroPoint) * w.Values[k * N + c];
                y[r * N + c] = (float)(sum * ((double)activation.Scale * w.ScaleOf(c))) + bias[c];
            }
        }
        return y;
    }

    private static float[] FloatReference(float[] x, float[] weight, float[] bias)
    {
        var y = new float[Rows * N];
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < N; c++)
            {
                double sum = bias[c];
                for (int k = 0; k < K; k++) sum += (double)x[r * K + k] * weight[k * N + c];
                y[r * N + c] = (float)sum;
            }
        }
        return y;
    }
}

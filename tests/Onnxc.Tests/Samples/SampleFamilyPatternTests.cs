using Onnxc.Ir;
using Onnxc.Samples;
using static Onnxc.Tests.Samples.SampleGraphFacts;

namespace Onnxc.Tests.Samples;

/// <summary>Each family emits the decomposed patterns torch.onnx.export writes, in the expected numbers.</summary>
public class SampleFamilyPatternTests
{
    [Fact]
    public void Bert_has_one_layer_norm_per_sublayer_and_the_attention_ops_per_layer()
    {
        using var model = SampleModels.Build(SampleKind.Bert, SampleSize.Tiny);
        var g = model.Graph;
        int layers = BertConfig.Tiny.Layers, norms = 2 * layers + 1;
        Assert.Equal(2 * norms, Count(g, "ReduceMean"));
        Assert.Equal(norms, Count(g, "Sqrt"));
        Assert.Equal(layers, Count(g, "Softmax"));
        Assert.Equal(layers, Count(g, "Erf"));
        Assert.Equal(8 * layers, Count(g, "MatMul")); // Q, K, V, output, FFN in and out, QK^T, PV
        Assert.Equal(1, Count(g, "Gemm"));
        Assert.Equal(1, Count(g, "Tanh"));
        Assert.Equal(4 * layers, Count(g, "Reshape"));
        AssertLayerNormChains(g, norms);
        AssertErfGelus(g, layers);
        // The additive mask: attention_mask → Unsqueeze → Unsqueeze → Cast → Sub(1, ·) → Mul(−10000), read by every layer.
        var cast = SoleUser(SoleUser(SoleUser(g.Inputs[1]).Output()).Output());
        Assert.Equal("Cast", cast.OpType);
        var sub = SoleUser(cast.Output());
        Assert.Equal(("Sub", 1f), (sub.OpType, ConstantFloat(sub.Input(0))));
        var mul = SoleUser(sub.Output());
        Assert.Equal(("Mul", -10000f), (mul.OpType, ConstantFloat(mul.Input(1))));
        Assert.Equal(layers, mul.Output().Uses.Count);
        Assert.All(mul.Output().Uses, u => Assert.Equal("Softmax", SoleUser(u.Node.Output()).OpType));
    }

    [Fact]
    public void Gpt2_has_tanh_gelu_split_attention_and_the_causal_where()
    {
        using var model = SampleModels.Build(SampleKind.Gpt2, SampleSize.Tiny);
        var g = model.Graph;
        int layers = Gpt2Config.Tiny.Layers, norms = 2 * layers + 1;
        Assert.Equal(2 * norms, Count(g, "ReduceMean"));
        Assert.Equal(layers, Count(g, "Softmax"));
        Assert.Equal(layers, Count(g, "Split"));
        Assert.Equal(layers, Count(g, "Where"));
        Assert.Equal(layers - 1, Count(g, "Identity"));
        Assert.Equal(1, Count(g, "Range"));
        Assert.Equal(6 * layers + 1, Count(g, "MatMul"));
        Assert.Equal(norms + layers, Count(g, "Pow"));
        AssertLayerNormChains(g, norms);
        foreach (var tanh in g.Nodes.Where(n => n.OpType == "Tanh"))
        {
            // Mul(√(2/π)) ← Add(x, Mul(Pow(x, 3), 0.044715))
            var scale = tanh.Input(0)!.Producer!;
            Assert.Equal(("Mul", MathF.Sqrt(2f / MathF.PI)), (scale.OpType, ConstantFloat(scale.Input(1))));
            var add = scale.Input(0)!.Producer!;
            var cubic = add.Input(1)!.Producer!;
            Assert.Equal(0.044715f, ConstantFloat(cubic.Input(1)));
            var pow = cubic.Input(0)!.Producer!;
            Assert.Equal(("Pow", 3f), (pow.OpType, ConstantFloat(pow.Input(1))));
            Assert.Same(add.Input(0), pow.Input(0));
        }
        // The tied head is a transposed copy of wte.
        var wte = g.Initializers.Single(v => v.Name == "wte.weight").Initializer!;
        var head = g.Outputs[0].Producer!.Input(1)!.Initializer!;
        Assert.Equal(new[] { wte.Dims[1], wte.Dims[0] }, head.Dims);
        var (rows, cols) = ((int)wte.Dims[0], (int)wte.Dims[1]);
        Assert.Equal(wte.AsSpan<float>()[5 * cols + 3], head.AsSpan<float>()[3 * rows + 5]);
        // Where(mask, −inf, scores) feeds Softmax.
        Assert.All(g.Nodes.Where(n => n.OpType == "Where"), w =>
        {
            Assert.Equal(float.NegativeInfinity, ConstantFloat(w.Input(1)));
            Assert.Equal("Softmax", SoleUser(w.Output()).OpType);
        });
    }

    [Fact]
    public void Llama_has_rms_norms_rotary_halves_and_swiglu()
    {
        using var model = SampleModels.Build(SampleKind.Llama, SampleSize.Tiny);
        var g = model.Graph;
        int layers = LlamaConfig.Tiny.Layers, norms = 2 * layers + 1;
        Assert.Equal(norms, Count(g, "ReduceMean"));
        Assert.Equal(norms, Count(g, "Sqrt"));
        Assert.Equal(0, Count(g, "Sub"));
        Assert.Equal(layers, Count(g, "Sigmoid"));
        Assert.Equal(2 * layers, Count(g, "Neg"));
        Assert.Equal(layers, Count(g, "Softmax"));
        Assert.Equal(9 * layers + 1, Count(g, "MatMul"));
        Assert.DoesNotContain(g.Initializers, v => v.Name.EndsWith(".bias", StringComparison.Ordinal));
        foreach (var reduce in g.Nodes.Where(n => n.OpType == "ReduceMean"))
        {
            var pow = reduce.Input(0)!.Producer!;
            Assert.Equal(("Pow", 2f), (pow.OpType, ConstantFloat(pow.Input(1))));
            var sqrt = SoleUser(SoleUser(reduce.Output()).Output());
            var reciprocal = SoleUser(sqrt.Output());
            Assert.Equal(("Div", 1f), (reciprocal.OpType, ConstantFloat(reciprocal.Input(0))));
            var scaled = SoleUser(reciprocal.Output());
            Assert.Same(pow.Input(0), scaled.Input(0));
            var weight = SoleUser(scaled.Output()).Input(0)!;
            Assert.True(weight.IsInitializer && weight.Name.EndsWith("norm.weight", StringComparison.Ordinal), $"{weight} is not a norm weight");
        }
        foreach (var neg in g.Nodes.Where(n => n.OpType == "Neg"))
        {
            Assert.Equal("Slice", neg.Input(0)!.Producer!.OpType);
            var concat = SoleUser(neg.Output());
            Assert.Equal(("Concat", "Slice"), (concat.OpType, concat.Input(1)!.Producer!.OpType));
            Assert.Equal("Mul", SoleUser(concat.Output()).OpType);
        }
        foreach (var sigmoid in g.Nodes.Where(n => n.OpType == "Sigmoid"))
        {
            var silu = SoleUser(sigmoid.Output());
            Assert.Same(sigmoid.Input(0), silu.Input(0));
            Assert.Equal("MatMul", sigmoid.Input(0)!.Producer!.OpType);
            var gated = SoleUser(silu.Output());
            Assert.Equal(("Mul", "MatMul"), (gated.OpType, gated.Input(1)!.Producer!.OpType));
        }
        Assert.Equal(2, g.Initializers.Count(v => v.Name.EndsWith("_cached", StringComparison.Ordinal)));
    }

    [Fact]
    public void Vit_has_conv_patches_class_token_and_gemm_head()
    {
        using var model = SampleModels.Build(SampleKind.Vit, SampleSize.Tiny);
        var g = model.Graph;
        int layers = VitConfig.Tiny.Layers, norms = 2 * layers + 1;
        Assert.Equal(2 * norms, Count(g, "ReduceMean"));
        Assert.Equal(layers, Count(g, "Softmax"));
        Assert.Equal(1, Count(g, "Conv"));
        Assert.Equal(1, Count(g, "Gemm"));
        Assert.Equal(1, Count(g, "Expand"));
        Assert.Equal(3 * layers + 1, Count(g, "Transpose"));
        AssertLayerNormChains(g, norms);
        AssertErfGelus(g, layers);
        var conv = g.Nodes.Single(n => n.OpType == "Conv");
        Assert.Same(g.Inputs[0], conv.Input(0));
        Assert.Equal(new long[] { 8, 8 }, conv.GetInts("strides"));
        var gemm = g.Outputs[0].Producer!;
        Assert.Equal(("Gemm", 1L), (gemm.OpType, gemm.GetInt("transB", 0)));
        Assert.Equal("Gather", gemm.Input(0)!.Producer!.OpType);
    }

    /// <summary>ReduceMean → Sub → Pow(2) → ReduceMean → Add(eps) → Sqrt → Div → Mul(γ) → Add(β), <paramref name="expected"/> times.</summary>
    private static void AssertLayerNormChains(Graph g, int expected)
    {
        int found = 0;
        foreach (var sqrt in g.Nodes.Where(n => n.OpType == "Sqrt"))
        {
            var addEps = sqrt.Input(0)!.Producer!;
            Assert.Equal("Add", addEps.OpType);
            Assert.InRange(ConstantFloat(addEps.Input(1)) ?? -1f, 1e-13f, 1e-4f);
            var variance = addEps.Input(0)!.Producer!;
            var pow = variance.Input(0)!.Producer!;
            Assert.Equal(("ReduceMean", "Pow", 2f), (variance.OpType, pow.OpType, ConstantFloat(pow.Input(1))));
            var sub = pow.Input(0)!.Producer!;
            var mean = sub.Input(1)!.Producer!;
            Assert.Equal(("Sub", "ReduceMean"), (sub.OpType, mean.OpType));
            Assert.Same(sub.Input(0), mean.Input(0));
            var div = SoleUser(sqrt.Output());
            Assert.Same(sub.Output(), div.Input(0));
            var mul = SoleUser(div.Output());
            var add = SoleUser(mul.Output());
            Assert.Equal(("Mul", "Add"), (mul.OpType, add.OpType));
            Assert.True(mul.Input(1)!.IsInitializer && add.Input(1)!.IsInitializer, "γ and β are initializers");
            found++;
        }
        Assert.Equal(expected, found);
    }

    /// <summary>Div(√2) → Erf → Add(1) → Mul(x) → Mul(0.5), <paramref name="expected"/> times.</summary>
    private static void AssertErfGelus(Graph g, int expected)
    {
        var erfs = g.Nodes.Where(n => n.OpType == "Erf").ToList();
        Assert.Equal(expected, erfs.Count);
        foreach (var erf in erfs)
        {
            var div = erf.Input(0)!.Producer!;
            Assert.Equal(("Div", MathF.Sqrt(2f)), (div.OpType, ConstantFloat(div.Input(1))));
            var addOne = SoleUser(erf.Output());
            Assert.Equal(("Add", 1f), (addOne.OpType, ConstantFloat(addOne.Input(1))));
            var mulX = SoleUser(addOne.Output());
            Assert.Same(div.Input(0), mulX.Input(0));
            var half = SoleUser(mulX.Output());
            Assert.Equal(("Mul", 0.5f), (half.OpType, ConstantFloat(half.Input(1))));
        }
    }
}

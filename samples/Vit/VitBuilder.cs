using Onnxc.Ir;

namespace Onnxc.Samples;

/// <summary>
/// ViT laid out as torch.onnx.export writes timm's VisionTransformer (shared/models/TRAINED.md, vit-mnist): Conv →
/// flatten (Shape/Slice/Concat/Reshape) → Transpose, CLS Expand with the ConstantOfShape/Equal/Where size fix-up,
/// fused QKV Reshape [B,N,3,H,D] → Transpose(2,0,3,1,4) → Gather ×3, final LN, Gather CLS → Gemm head.
/// </summary>
public static class VitBuilder
{
    /// <summary>Builds the model: input pixel_values float [batch, channels, size, size]; output logits float [batch, classes].</summary>
    public static Model Build(VitConfig config, int seed = 0, int opset = SampleOpsets.Default)
    {
        config.Validate();
        SampleOpsets.Validate(opset);
        var graph = new Graph("vit");
        var e = new GraphEmitter(graph, opset, new WeightFactory(graph, seed));
        var pixels = graph.AddInput(new Value("pixel_values",
            SampleOpsets.Tensor(DataType.Float, "batch", config.Channels, config.ImageSize, config.ImageSize)));

        Value x;
        using (e.Scope("patch_embed")) x = PatchEmbedding(e, config, pixels);
        x = PrependClassToken(e, config, x);
        x = e.Op("Add", x, e.Weights.Normal("pos_embed", 0f, WeightFactory.InitStd, 1, config.Tokens, config.Hidden));

        float residualStd = WeightFactory.InitStd / MathF.Sqrt(2f * config.Layers);
        for (int i = 0; i < config.Layers; i++)
        {
            using (e.Scope($"blocks.{i}"))
            {
                Value normed, attention, mlp;
                using (e.Scope("norm1")) normed = e.LayerNorm(x, config.Hidden, config.LayerNormEps);
                using (e.Scope("attn")) attention = Attention(e, config, normed, residualStd);
                x = e.Op("Add", x, attention);
                using (e.Scope("norm2")) normed = e.LayerNorm(x, config.Hidden, config.LayerNormEps);
                using (e.Scope("mlp")) mlp = Mlp(e, config, normed, residualStd);
                x = e.Op("Add", x, mlp);
            }
        }
        using (e.Scope("norm")) x = e.LayerNorm(x, config.Hidden, config.LayerNormEps);
        var classToken = e.Op("Gather", x, e.ConstScalar(0), Attribute.Int("axis", 1));
        Value logits;
        using (e.Scope("head")) logits = e.Gemm(classToken, config.Hidden, config.Classes);
        e.MarkOutput(logits, "logits", SampleOpsets.Tensor(DataType.Float, "batch", config.Classes));
        return SampleOpsets.CreateModel(graph, opset);
    }

    private static Value PatchEmbedding(GraphEmitter e, VitConfig c, Value pixels)
    {
        Value patches;
        using (e.Scope("proj"))
        {
            var weight = e.Weights.Normal(e.ParameterPrefix + "weight", 0f, WeightFactory.InitStd, c.Hidden, c.Channels, c.PatchSize, c.PatchSize);
            var bias = e.Weights.Bias(e.ParameterPrefix + "bias", c.Hidden);
            patches = e.Op("Conv", new[] { pixels, weight, bias },
                Attribute.Ints("dilations", 1, 1), Attribute.Int("group", 1), Attribute.Ints("kernel_shape", c.PatchSize, c.PatchSize),
                Attribute.Ints("pads", 0, 0, 0, 0), Attribute.Ints("strides", c.PatchSize, c.PatchSize));
        }
        // flatten(2): the leading dims come from Shape → Slice, then −1 for the rest.
        var leading = e.Op("Slice", new[] { e.Op("Shape", patches), e.ConstInts(0), e.ConstInts(2), e.ConstInts(0) });
        var flat = e.Op("Reshape", patches, e.Op("Concat", new[] { leading, e.ConstInts(-1) }, Attribute.Int("axis", 0)));
        return e.Op("Transpose", flat, Attribute.Ints("perm", 0, 2, 1));
    }

    /// <summary>cls_token.expand(B, −1, −1) as torch exports expand: −1 entries replaced by 1 through ConstantOfShape/Mul/Equal/Where.</summary>
    private static Value PrependClassToken(GraphEmitter e, VitConfig c, Value patches)
    {
        var cls = e.Weights.Normal("cls_token", 0f, WeightFactory.InitStd, 1, 1, c.Hidden);
        var requested = e.Op("Reshape", e.ShapeOf(e.Dim(patches, 0), -1L, -1L), e.ConstInts(-1));
        var ones = e.Op("ConstantOfShape", new[] { e.Op("Shape", requested) }, Attribute.FromTensor("value", Tensor.Vector(1L)));
        var minusOnes = e.Op("Mul", ones, e.ConstScalar(-1));
        var size = e.Op("Where", new[] { e.Op("Equal", requested, minusOnes), ones, requested });
        var expanded = e.Op("Expand", cls, size);
        return e.Op("Concat", new[] { expanded, patches }, Attribute.Int("axis", 1));
    }

    private static Value Attention(GraphEmitter e, VitConfig c, Value x, float residualStd)
    {
        var batch = e.Dim(x, 0);
        var tokens = e.Dim(x, 1);
        var channels = e.Dim(x, 2);
        Value qkv;
        using (e.Scope("qkv")) qkv = e.Linear(x, c.Hidden, 3 * c.Hidden);
        var heads = e.Op("Transpose", e.Op("Reshape", qkv, e.ShapeOf(batch, tokens, 3, c.Heads, c.HeadSize)), Attribute.Ints("perm", 2, 0, 3, 1, 4));
        var q = e.Op("Gather", heads, e.ConstScalar(0), Attribute.Int("axis", 0));
        var k = e.Op("Gather", heads, e.ConstScalar(1), Attribute.Int("axis", 0));
        var v = e.Op("Gather", heads, e.ConstScalar(2), Attribute.Int("axis", 0));
        var keysT = e.Op("Transpose", k, Attribute.Ints("perm", 0, 1, 3, 2));
        var scores = e.Op("Mul", e.Op("MatMul", q, keysT), e.Const(1f / MathF.Sqrt(c.HeadSize)));
        var probabilities = e.Op("Softmax", scores, Attribute.Int("axis", -1));
        var context = e.Op("Transpose", e.Op("MatMul", probabilities, v), Attribute.Ints("perm", 0, 2, 1, 3));
        context = e.Op("Reshape", context, e.ShapeOf(batch, tokens, channels));
        using (e.Scope("proj")) return e.Linear(context, c.Hidden, c.Hidden, std: residualStd);
    }

    private static Value Mlp(GraphEmitter e, VitConfig c, Value x, float residualStd)
    {
        Value hidden;
        using (e.Scope("fc1")) hidden = e.Linear(x, c.Hidden, c.MlpDim);
        hidden = e.GeluErf(hidden);
        using (e.Scope("fc2")) return e.Linear(hidden, c.MlpDim, c.Hidden, std: residualStd);
    }
}

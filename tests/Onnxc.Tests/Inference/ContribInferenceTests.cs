using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

public class ContribInferenceTests
{
    [Fact]
    public void MatMulNBits_replaces_the_last_dim_by_N()
    {
        var f = new InferenceFixture();
        var a = f.Input("a", DataType.Float16, "b", "s", 4096);
        var packed = f.Graph.AddInitializer("w", Tensor.FromArray(new byte[11008 * 128 * 16], 11008, 128, 16));
        var node = f.Contrib("MatMulNBits", new Value?[] { a, packed, f.Input("scales", DataType.Float16, 11008 * 128) }, 1,
            Attribute.Int("K", 4096), Attribute.Int("N", 11008), Attribute.Int("bits", 4), Attribute.Int("block_size", 32));
        f.RunClean();
        HasType("f16[b,s,11008]", node.Output());
    }

    [Fact]
    public void MatMulNBits_with_wrong_K_is_a_mismatch()
    {
        var f = new InferenceFixture();
        f.Contrib("MatMulNBits", new Value?[] { f.Input("a", 2, 64), f.Input("w", DataType.UInt8, 8, 2, 16) }, 1,
            Attribute.Int("K", 32), Attribute.Int("N", 8), Attribute.Int("bits", 4), Attribute.Int("block_size", 32));
        Assert.Equal(DiagnosticIds.ShapeMismatch, Assert.Single(f.Run().Diagnostics).Id);
    }

    [Fact]
    public void Attention_output_and_present()
    {
        var f = new InferenceFixture();
        var node = f.Contrib("Attention", new Value?[] { f.Input("x", "b", "s", 768), f.Weight("w", 768, 2304), f.Weight("bias", 2304), null, f.Input("past", 2, "b", 12, "p", 64) }, 2,
            Attribute.Int("num_heads", 12));
        f.RunClean();
        HasType("f32[b,s,768]", node.Output(0));
        HasType("f32[2,b,12,p + s,64]", node.Output(1));
    }

    [Fact]
    public void MultiHeadAttention_output_follows_value_hidden_size()
    {
        var f = new InferenceFixture();
        var node = f.Contrib("MultiHeadAttention", new Value?[] { f.Input("q", "b", "s", 768), f.Input("k", "b", "l", 768), f.Input("v", "b", "l", 512) }, 3,
            Attribute.Int("num_heads", 8));
        f.RunClean();
        HasType("f32[b,s,512]", node.Output(0));
        HasType("f32[b,8,l,96]", node.Output(1));
        HasType("f32[b,8,l,64]", node.Output(2));
    }

    [Fact]
    public void SkipLayerNormalization_outputs()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", DataType.Float16, "b", "s", 768);
        var node = f.Contrib("SkipLayerNormalization", new Value?[] { x, f.Input("skip", DataType.Float16, "b", "s", 768), f.Weight("g", 768) }, 4);
        var simplified = f.Contrib("SimplifiedLayerNormalization", new Value?[] { x, f.Weight("g2", 768) }, 2);
        var skipSimplified = f.Contrib("SkipSimplifiedLayerNormalization", new Value?[] { x, x, f.Weight("g3", 768) }, 1);
        f.RunClean();
        HasType("f16[b,s,768]", node.Output(0));
        HasType("f32", node.Output(1));
        HasType("f16[b,s,768]", node.Output(3));
        HasType("f16[b,s,768]", simplified.Output(0));
        HasType("f32[b,s,1]", simplified.Output(1));
        HasType("f16[b,s,768]", skipSimplified.Output(0));
    }

    [Fact]
    public void Activation_contrib_ops_keep_the_shape()
    {
        var f = new InferenceFixture();
        var x = f.Input("x", "b", "s", 3072);
        var outputs = new[] { "FastGelu", "BiasGelu", "Gelu", "QuickGelu" }
            .Select(op => f.Contrib(op, new Value?[] { x, f.Weight("bias_" + op, 3072) }, 1).Output()).ToList();
        var rotary = f.Contrib("RotaryEmbedding", new Value?[] { f.Input("q", "b", "s", 12, 64), f.Input("pos", DataType.Int64, "b", "s") }, 1);
        f.RunClean();
        Assert.All(outputs, o => HasType("f32[b,s,3072]", o));
        HasType("f32[b,s,12,64]", rotary.Output());
    }

    [Fact]
    public void EmbedLayerNormalization_outputs()
    {
        var f = new InferenceFixture();
        var node = f.Contrib("EmbedLayerNormalization", new Value?[] { f.Input("ids", DataType.Int32, "b", "s"), null, f.Weight("words", 30522, 768), f.Weight("pos", 512, 768) }, 3);
        f.RunClean();
        HasType("f32[b,s,768]", node.Output(0));
        HasType("i32[b]", node.Output(1));
        HasType("f32[b,s,768]", node.Output(2));
    }

    [Fact]
    public void Quantization_ops()
    {
        var f = new InferenceFixture();
        var a = f.Input("a", "b", 64);
        var dq = f.Contrib("DynamicQuantizeMatMul", new Value?[] { a, f.Input("w", DataType.Int8, 64, 32), f.Input("scale", 1) }, 1);
        var q = f.Op("QuantizeLinear", a, f.Input("s", 1), f.Input("zp", DataType.Int8, 1));
        var qDefault = f.Op("QuantizeLinear", a, f.Input("s2", 1));
        var deq = f.Op("DequantizeLinear", q.Output(), f.Input("s3", DataType.Float16, 1));
        var dyn = f.Op("DynamicQuantizeLinear", new Value?[] { a }, 3);
        f.RunClean();
        HasType("f32[b,32]", dq.Output());
        HasType("i8[b,64]", q.Output());
        HasType("u8[b,64]", qDefault.Output());
        HasType("f16[b,64]", deq.Output());
        HasType("u8[b,64]", dyn.Output(0));
        HasType("f32[]", dyn.Output(1));
    }
}

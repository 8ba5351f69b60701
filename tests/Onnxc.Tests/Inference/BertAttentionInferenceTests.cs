using Onnxc.Ir;
using static Onnxc.Tests.Inference.InferenceAssert;

namespace Onnxc.Tests.Inference;

/// <summary>
/// A BERT self-attention block as exporters write it: head splitting through Shape→Gather→Unsqueeze→Concat→Reshape.
/// Inference must carry static dims through when the input is static and symbols when it is symbolic.
/// </summary>
public class BertAttentionInferenceTests
{
    private sealed record Block(Value Scores, Value Probs, Value Context, Value Merged, Value Output, Value HeadsQ);

    private static Block Build(InferenceFixture f, object batch, object seq)
    {
        var x = f.Input("hidden", batch, seq, 768);
        var mask = f.Input("mask", batch, 1, 1, seq);
        var shape = f.Op("Shape", x).Output();
        var b = f.Op("Unsqueeze", f.Op("Gather", shape, f.Scalar("i0", 0)).Output(), f.Ints("ax0", 0)).Output();
        var s = f.Op("Unsqueeze", f.Op("Gather", shape, f.Scalar("i1", 1)).Output(), f.Ints("ax1", 0)).Output();
        var splitTarget = f.Op("Concat", new Value?[] { b, s, f.Ints("heads", 12), f.Ints("head_size", 64) }, Attribute.Int("axis", 0)).Output();

        Value Heads(string name, long[] perm)
        {
            var projected = f.Op("Add", f.Op("MatMul", x, f.Weight("W" + name, 768, 768)).Output(), f.Weight("B" + name, 768)).Output();
            var split = f.Op("Reshape", projected, splitTarget).Output();
            return f.Op("Transpose", new Value?[] { split }, Attribute.Ints("perm", perm)).Output();
        }

        var q = Heads("q", new long[] { 0, 2, 1, 3 });
        var k = Heads("k", new long[] { 0, 2, 3, 1 });
        var v = Heads("v", new long[] { 0, 2, 1, 3 });
        var scores = f.Op("MatMul", q, k).Output();
        var scaled = f.Op("Add", f.Op("Div", scores, f.Graph.AddInitializer("sqrt_d", Tensor.Scalar(8f))).Output(), mask).Output();
        var probs = f.Op("Softmax", new Value?[] { scaled }, Attribute.Int("axis", -1)).Output();
        var context = f.Op("Transpose", new Value?[] { f.Op("MatMul", probs, v).Output() }, Attribute.Ints("perm", 0, 2, 1, 3)).Output();
        var mergeTarget = f.Op("Concat", new Value?[] { b, s, f.Ints("hidden_size", 768) }, Attribute.Int("axis", 0)).Output();
        var merged = f.Op("Reshape", context, mergeTarget).Output();
        var output = f.Op("MatMul", merged, f.Weight("Wo", 768, 768)).Output();
        f.Graph.AddOutput(output);
        return new Block(scores, probs, context, merged, output, q);
    }

    [Fact]
    public void Symbolic_batch_and_sequence_stay_symbolic()
    {
        var f = new InferenceFixture();
        var block = Build(f, "batch", "seq");
        f.RunClean();
        HasType("f32[batch,12,seq,64]", block.HeadsQ);
        HasType("f32[batch,12,seq,seq]", block.Scores);
        HasType("f32[batch,12,seq,seq]", block.Probs);
        HasType("f32[batch,seq,12,64]", block.Context);
        HasType("f32[batch,seq,768]", block.Merged);
        HasType("f32[batch,seq,768]", block.Output);
    }

    [Fact]
    public void Static_input_gives_static_dims_everywhere()
    {
        var f = new InferenceFixture();
        var block = Build(f, 2, 128);
        var result = f.RunClean();
        HasType("f32[2,12,128,128]", block.Scores);
        HasType("f32[2,128,768]", block.Merged);
        HasType("f32[2,128,768]", block.Output);
        Assert.All(f.Graph.Nodes.SelectMany(n => n.Outputs), o => Assert.True(o.Shape is { IsStatic: true }, $"{o} is {o.Type}"));
        Assert.Empty(result.OpsWithoutRule);
    }
}

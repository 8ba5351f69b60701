using Onnxc.Passes;
using Onnxc.Tests.Fusion;

namespace Onnxc.Tests.Passes;

/// <summary>
/// select-rows-early in -O2 on the models it is for (ViT classifiers reading the CLS token) and one it must leave
/// alone (BERT, whose full last hidden state is an output). ORT agreement with the original is in PassContractTests.
/// </summary>
public class SelectRowsEarlyTests
{
    [Theory]
    // The last block after its residual stream splits: norm2, the MLP (fc1, BiasGelu, fc2 + bias), the output
    // projection + bias, the attention's queries (MultiHeadAttention, q projection), both residual Adds, the final norm.
    [InlineData("vit-tiny", 12)]
    [InlineData("models/vit-mnist/model.onnx", 12)]
    public void The_last_block_of_a_vit_runs_on_the_cls_row(string model, int ops)
    {
        var (optimized, context) = FusionTestModels.LoadAndRun(model, "-O2");
        using (optimized)
        {
            Assert.Contains(context.Log, e => e.Applied && e.Pass == "select-rows-early" && e.Message.StartsWith($"{ops} op(s)", StringComparison.Ordinal));
            Assert.Equal(1, FusionTestModels.Count(optimized, "MultiHeadAttention", "com.microsoft"));
        }
    }

    [Fact]
    public void Bert_keeps_its_hidden_state_because_it_is_an_output()
    {
        var (optimized, context) = FusionTestModels.LoadAndRun("bert-tiny", "-O2");
        using (optimized)
        {
            Assert.Contains(context.Log, e => !e.Applied && e.Rule == "select-rows-early" && e.Message.Contains("is read in full elsewhere", StringComparison.Ordinal));
            Assert.Equal(0, FusionTestModels.Count(optimized, "MultiHeadAttention", "com.microsoft"));
        }
    }
}

using Onnxc.Ir;
using Onnxc.Passes.Quantization.Mixed;

namespace Onnxc.Tests.Quantization.Mixed;

/// <summary>The greedy allocator on a synthetic sensitivity table: budgets are respected and sensitive layers are spared.</summary>
public class BitAllocatorTests
{
    // Four layers of 1,000 weights: fp32 4,000 B, int8 1,000 B, int4 500 B. "attn.qkv" is 100× more sensitive.
    private static readonly LayerCandidate[] Table =
    {
        Layer("attn.qkv", 1e-2, 5e-2),
        Layer("attn.proj", 1e-4, 2e-3),
        Layer("mlp.fc1", 2e-4, 1e-3),
        Layer("mlp.fc2", 3e-4, 4e-3),
    };

    [Theory]
    [InlineData(16000)]
    [InlineData(12000)]
    [InlineData(7000)]
    [InlineData(4000)]
    [InlineData(2500)]
    public void Size_budget_is_met_whenever_it_can_be(long budget)
    {
        var allocation = BitAllocator.Allocate(Table, new MixedPrecisionBudget.Size(budget));
        Assert.True(allocation.BudgetMet);
        Assert.True(allocation.Bytes <= budget);
        Assert.Equal(allocation.Bytes, allocation.Layers.Sum(l => l.Bytes));
        // The most sensitive layer is the last to leave fp32.
        if (allocation.Layers.Any(l => l.Precision == Precision.Fp32)) Assert.Equal(Precision.Fp32, allocation.Layers[0].Precision);
    }

    [Fact]
    public void Unreachable_size_budget_is_reported_not_met()
    {
        var allocation = BitAllocator.Allocate(Table, new MixedPrecisionBudget.Size(1000));
        Assert.False(allocation.BudgetMet);
        Assert.All(allocation.Layers, l => Assert.Equal(Precision.Int4, l.Precision));
        Assert.Contains("NOT met", allocation.Summary);
    }

    [Theory]
    [InlineData(0.9999)]
    [InlineData(0.999)]
    [InlineData(0.995)]
    [InlineData(0.95)]
    public void Accuracy_budget_keeps_predicted_loss_within_it(double cosine)
    {
        var allocation = BitAllocator.Allocate(Table, new MixedPrecisionBudget.Accuracy(cosine));
        Assert.True(allocation.BudgetMet);
        Assert.True(allocation.PredictedLoss <= 1 - cosine + 1e-12);
        double predicted = allocation.Layers.Sum(l => l.Precision switch { Precision.Int8 => l.LossInt8!.Value, Precision.Int4 => l.LossInt4!.Value, _ => 0 });
        Assert.Equal(allocation.PredictedLoss, predicted, 12);
        Assert.All(allocation.Layers, l => Assert.False(string.IsNullOrWhiteSpace(l.Reason)));
    }

    [Fact]
    public void Tighter_accuracy_never_gives_a_smaller_model()
    {
        long previous = 0;
        foreach (var cosine in new[] { 0.9, 0.99, 0.995, 0.999, 0.9999, 0.99999 })
        {
            var bytes = BitAllocator.Allocate(Table, new MixedPrecisionBudget.Accuracy(cosine)).Bytes;
            Assert.True(bytes >= previous, $"cosine {cosine}: {bytes} B < {previous} B");
            previous = bytes;
        }
    }

    [Fact]
    public void A_layer_without_int4_stops_at_int8_and_says_why()
    {
        var table = Table.Append(new LayerCandidate("head", 1000,
            new Dictionary<Precision, long> { [Precision.Fp32] = 4000, [Precision.Int8] = 1000 },
            new Dictionary<Precision, double> { [Precision.Int8] = 1e-6 })).ToList();
        var allocation = BitAllocator.Allocate(table, new MixedPrecisionBudget.Size(1));
        var head = allocation.Layers.Single(l => l.Id == "head");
        Assert.Equal(Precision.Int8, head.Precision);
        Assert.Null(head.LossInt4);
    }

    [Fact]
    public void Size_budget_takes_robust_layers_to_int4_and_keeps_the_sensitive_one_fp32()
    {
        var table = new[] { Layer("sensitive", 1e-1, 5e-1), Layer("a", 1e-6, 1e-5), Layer("b", 2e-6, 2e-5), Layer("c", 1e-6, 3e-5) };
        var allocation = BitAllocator.Allocate(table, new MixedPrecisionBudget.Size(4000 + 3 * 500));
        Assert.True(allocation.BudgetMet);
        Assert.Equal(new[] { Precision.Fp32, Precision.Int4, Precision.Int4, Precision.Int4 }, allocation.Layers.Select(l => l.Precision));
        Assert.Contains("int4 (cos 0.99999 alone)", allocation.Layers[1].Reason);
        Assert.Contains("budget met before int8", allocation.Layers[0].Reason);
    }

    [Fact]
    public void A_layer_goes_straight_to_int4_when_int8_is_the_worse_deal()
    {
        // Its activation quantizes badly (int8 dynamic rounds it) but its weight does not (int4 is weight-only).
        var table = new[] { Layer("outlier-activation", 1e-2, 1e-5), Layer("plain", 1e-6, 1e-3) };
        var allocation = BitAllocator.Allocate(table, new MixedPrecisionBudget.Accuracy(0.999));
        var layer = allocation.Layers.Single(l => l.Id == "outlier-activation");
        Assert.Equal(Precision.Int4, layer.Precision);
        Assert.Matches("^step [0-9]+: int4 ", layer.Reason);
        Assert.True(allocation.PredictedLoss <= 1e-3);
    }

    [Theory]
    [InlineData("0.5", null, 2000L)]
    [InlineData("1500", null, 1500L)]
    public void Budgets_parse_as_ratio_or_bytes(string size, string? accuracy, long expected)
    {
        var budget = Assert.IsType<MixedPrecisionBudget.Size>(MixedPrecisionBudget.Parse(size, accuracy, 4000));
        Assert.Equal(expected, budget.Bytes);
        Assert.Equal(0.995, Assert.IsType<MixedPrecisionBudget.Accuracy>(MixedPrecisionBudget.Parse(null, "0.995", 4000)).MinCosine);
        Assert.Throws<OnnxcException>(() => MixedPrecisionBudget.Parse(null, "1.5", 4000));
        Assert.Throws<OnnxcException>(() => MixedPrecisionBudget.Parse("10", "0.9", 4000));
    }

    private static LayerCandidate Layer(string id, double loss8, double loss4) => new(id, 1000,
        new Dictionary<Precision, long> { [Precision.Fp32] = 4000, [Precision.Int8] = 1000, [Precision.Int4] = 500 },
        new Dictionary<Precision, double> { [Precision.Int8] = loss8, [Precision.Int4] = loss4 });
}

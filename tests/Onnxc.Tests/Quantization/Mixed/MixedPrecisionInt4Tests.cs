using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Calibration;
using Onnxc.Passes.Quantization.Mixed;
using Onnxc.Passes.Quantization.WeightOnly;
using Onnxc.Tests.Quantization.Int8;

namespace Onnxc.Tests.Quantization.Mixed;

/// <summary>
/// int4 (MatMulNBits) as a mixed-precision choice, end to end on a small MLP run by ORT: the chosen mix meets the
/// budget, the emitted operators match the choices, and the emitted model computes what the search simulated.
/// </summary>
public class MixedPrecisionInt4Tests
{
    private const int Rows = 16, In = 64, Hidden = 128, Out = 32;

    /// <summary>x → MatMul+Add → Relu → MatMul+Add → Relu → MatMul+Add; the first layer's inputs have a 40× outlier feature.</summary>
    private static Model Mlp()
    {
        var random = new Random(7);
        float Gaussian() => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        var graph = new Graph("mlp");
        Value y = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(Rows, In))));
        int[] widths = { In, Hidden, Hidden, Out };
        for (int layer = 0; layer < 3; layer++)
        {
            int k = widths[layer], n = widths[layer + 1];
            var w = graph.AddInitializer($"W{layer}", Tensor.FromArray(Enumerable.Range(0, k * n).Select(_ => Gaussian() / MathF.Sqrt(k)).ToArray(), k, n));
            var b = graph.AddInitializer($"b{layer}", Tensor.Vector(Enumerable.Range(0, n).Select(_ => 0.1f * Gaussian()).ToArray()));
            y = graph.Append("MatMul", new[] { y, w }, name: $"fc{layer}/MatMul").Output();
            y = graph.Append("Add", new[] { y, b }, name: $"fc{layer}/Add").Output();
            if (layer < 2) y = graph.Append("Relu", new[] { y }).Output();
        }
        y.Type = new TensorType(DataType.Float, Shape.Of(Rows, Out));
        graph.AddOutput(y);
        var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        return model;
    }

    private static CalibrationData Samples(int count, int seed) => CalibrationData.FromSamples(Enumerable.Range(0, count).Select(s =>
    {
        var x = LinearModels.RandomInput(Rows * In, seed + s, -1, 1);
        for (int r = 0; r < Rows; r++) x[r * In] *= 40;
        return new InputSample { ["x"] = new TensorValue(Tensor.FromArray(x, Rows, In)) };
    }).ToList(), "random rows");

    private static MixedPrecisionQuantizer Quantizer(MixedPrecisionBudget budget, CalibrationData data) =>
        new(new MixedPrecisionOptions(budget) { Int4 = new BlockWeightQuantizer(new BlockQuantConfig(4, 32, Symmetric: true)) },
            new CalibrationEvaluator(new CalibrationService(data)));

    private static int Count(Model model, string op) => model.Graph.Nodes.Count(n => n.OpType == op);

    [Theory]
    [InlineData("0.3", null)]
    [InlineData("0.5", null)]
    [InlineData(null, "0.999")]
    public void Chosen_mix_meets_the_budget_and_is_what_is_emitted(string? size, string? accuracy)
    {
        using var model = Mlp();
        long fp32 = model.Graph.Initializers.Sum(v => v.Initializer!.ByteLength);
        var budget = MixedPrecisionBudget.Parse(size, accuracy, fp32);
        var calibration = Samples(8, 100);
        var reference = TaskMetrics.Evaluate(model, calibration);
        var quantizer = Quantizer(budget, calibration);

        var result = quantizer.Run(model, new PassContext());
        var report = quantizer.Report!;

        Assert.True(report.BudgetMet, report.Histogram + "; " + string.Join("; ", report.Notes));
        if (budget is MixedPrecisionBudget.Size s) Assert.True(report.Bytes <= s.Bytes, $"{report.Bytes} > {s.Bytes}");
        int int4 = report.Layers.Count(l => l.Precision == Precision.Int4), int8 = report.Layers.Count(l => l.Precision == Precision.Int8);
        Assert.Equal(int4, result.Counts.GetValueOrDefault("int4-layers"));
        Assert.Equal(int4, Count(model, "MatMulNBits"));
        Assert.Equal(int8, Count(model, "DynamicQuantizeMatMul"));
        Assert.Equal(3 - int4 - int8, Count(model, "MatMul"));
        Assert.All(report.Layers, l => Assert.NotNull(l.LossInt4));
        // The emitted model (run by ORT) computes what the search measured in simulation.
        double emitted = OutputSimilarity.MeanCosine(reference, TaskMetrics.Evaluate(model, calibration));
        Assert.Equal(report.MeasuredCosine, emitted, 5);
        if (budget is MixedPrecisionBudget.Accuracy a) Assert.True(emitted >= a.MinCosine, $"emitted cosine {emitted}");
    }

    [Fact]
    public void A_tight_size_budget_uses_int4()
    {
        using var model = Mlp();
        var quantizer = Quantizer(new MixedPrecisionBudget.Size(0), Samples(4, 200));
        quantizer.Run(model, new PassContext());
        Assert.All(quantizer.Report!.Layers, l => Assert.Equal(Precision.Int4, l.Precision));
        Assert.False(quantizer.Report.BudgetMet);
        Assert.Equal(3, Count(model, "MatMulNBits"));
    }

    [Fact]
    public void After_O2_fused_attention_projections_become_three_layers_that_can_be_int4()
    {
        using var model = Onnxc.Samples.SampleModels.Build("vit-tiny");
        var samples = CalibrationData.GenerateFor(model, 2);
        new PassManager(Pipelines.ForLevel(2)).Run(model);
        // The last block is MultiHeadAttention already (select-rows-early computes only its CLS query).
        int attentions = Count(model, "Attention") + Count(model, "MultiHeadAttention");
        Assert.True(attentions > 0);

        var quantizer = Quantizer(new MixedPrecisionBudget.Size(0), samples);
        var result = quantizer.Run(model, new PassContext());

        // Each fused attention was unpacked into q/k/v projections + MultiHeadAttention; at a zero-byte budget every
        // projection takes the smallest form, int4.
        var projections = quantizer.Report!.Layers.Where(l => l.Id.Contains("_q_proj", StringComparison.Ordinal)
            || l.Id.EndsWith("_k_proj", StringComparison.Ordinal) || l.Id.EndsWith("_v_proj", StringComparison.Ordinal)).ToList();
        Assert.Equal(3 * attentions, projections.Count);
        Assert.All(projections, l => Assert.NotNull(l.LossInt4));
        Assert.All(projections, l => Assert.Equal(Precision.Int4, l.Precision));
        Assert.Equal(0, Count(model, "Attention"));
        Assert.Equal(attentions, Count(model, "MultiHeadAttention"));
        Assert.Equal(quantizer.Report.Layers.Count(l => l.Precision == Precision.Int4), result.Counts["int4-layers"]);
        Assert.Contains(quantizer.Report.Notes, n => n.Contains("unpacked into Q/K/V MatMuls", StringComparison.Ordinal));
    }

    [Fact]
    public void Int4_weights_are_sized_as_the_emitter_writes_them()
    {
        using var model = Mlp();
        var layer = Onnxc.Passes.Quantization.Int8.LinearLayer.FindAll(model)[1];
        var symmetric = new BlockWeightQuantizer(new BlockQuantConfig(4, 32, Symmetric: true));
        var zeroPoints = new BlockWeightQuantizer(new BlockQuantConfig(4, 32, Symmetric: false));
        // 128 columns × 4 blocks: 16 packed bytes + a float scale per block; zero points pack two blocks a byte.
        Assert.Equal(128L * 4 * (16 + 4), symmetric.Bytes(layer));
        Assert.Equal(128L * 4 * (16 + 4) + 128 * 2, zeroPoints.Bytes(layer));
        Assert.Null(symmetric.Unsupported(layer));
        Assert.Throws<ArgumentException>(() => new BlockWeightQuantizer(new BlockQuantConfig(8, 32, Symmetric: true)));
    }
}

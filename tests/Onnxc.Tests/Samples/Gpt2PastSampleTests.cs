using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Samples;
using Onnxc.Tests.Passes;

namespace Onnxc.Tests.Samples;

/// <summary>
/// gpt2-tiny-past is a real KV cache: a prefill and then one-token steps that feed each step's present back as the
/// next past give the logits gpt2-tiny (same weights) computes over the whole sequence at once, and the padding mask
/// hides padded positions.
/// </summary>
public class Gpt2PastSampleTests
{
    private static readonly Tolerance Fp32 = new("kv-cache", 1e-4, 1e-5);
    private static readonly Gpt2Config Config = Gpt2Config.Tiny;

    [Fact]
    public void Interface_is_the_use_cache_export()
    {
        using var model = SampleModels.Build("gpt2-tiny-past");
        var inputs = model.Graph.Inputs.Select(v => v.Name).ToList();
        Assert.Equal(new[] { "input_ids", "attention_mask" }.Concat(Layers("past_key_values.{0}.key", "past_key_values.{0}.value")), inputs);
        Assert.Equal(new[] { "logits" }.Concat(Layers("present.{0}.key", "present.{0}.value")), model.Graph.Outputs.Select(v => v.Name));
        Assert.Equal("past_sequence + sequence", model.Graph.Inputs[1].Shape![1].Symbol);
        var present = model.Graph.Outputs[1];
        Assert.Equal("Concat", present.Producer!.OpType);
        Assert.Equal(-2, present.Producer.GetInt("axis", 0));
        Assert.Equal(DataType.Bool, model.Graph.Initializers.Single(v => v.Name == "h.0.attn.bias").ElementType);
    }

    [Fact]
    public void Step_by_step_decoding_matches_the_full_sequence_model()
    {
        const int batch = 2, prompt = 5, steps = 3;
        var tokens = Tokens(batch, prompt + steps, seed: 11);
        using var full = new OrtRunner(SampleFiles.Get("gpt2-tiny"));
        var expected = Logits(full.Run(new Dictionary<string, RuntimeValue?> { ["input_ids"] = tokens }));

        using var cached = new OrtRunner(SampleFiles.Get("gpt2-tiny-past"));
        var past = EmptyPast(batch);
        int done = 0;
        foreach (int length in new[] { prompt }.Concat(Enumerable.Repeat(1, steps)))
        {
            var feed = new Dictionary<string, RuntimeValue?>
            {
                ["input_ids"] = Columns(tokens, done, length),
                ["attention_mask"] = Ones(batch, done + length),
            };
            foreach (var (name, value) in past) feed[name] = value;
            var outputs = cached.Run(feed);
            var logits = Logits(outputs);
            for (int b = 0; b < batch; b++)
                for (int s = 0; s < length; s++)
                    AssertClose(expected, b, done + s, logits, b, s, $"row {b} position {done + s}");
            past = outputs.Skip(1).ToDictionary(o => o.Name.Replace("present.", "past_key_values.", StringComparison.Ordinal), o => ((TensorValue)o.Value!).Tensor);
            done += length;
        }
    }

    [Fact]
    public void Padded_keys_do_not_change_the_other_positions()
    {
        // Row 0 is left-padded by two tokens that differ between the runs; its unpadded positions must not notice.
        const int length = 6;
        var first = Tokens(1, length, seed: 3).ToArray<long>();
        var second = (long[])first.Clone();
        second[0] = (second[0] + 7) % Config.VocabSize;
        second[1] = (second[1] + 9) % Config.VocabSize;
        var mask = Tensor.FromArray(new long[] { 0, 0, 1, 1, 1, 1 }, 1, length);
        using var runner = new OrtRunner(SampleFiles.Get("gpt2-tiny-past"));
        Tensor Run(long[] ids)
        {
            var feed = new Dictionary<string, RuntimeValue?> { ["input_ids"] = Tensor.FromArray(ids, 1, length), ["attention_mask"] = mask };
            foreach (var (name, value) in EmptyPast(1)) feed[name] = value;
            return Logits(runner.Run(feed));
        }
        var a = Run(first);
        var b = Run(second);
        for (int s = 2; s < length; s++) AssertClose(a, 0, s, b, 0, s, $"position {s}");
    }

    private static IEnumerable<string> Layers(params string[] formats) =>
        Enumerable.Range(0, Config.Layers).SelectMany(i => formats.Select(f => string.Format(System.Globalization.CultureInfo.InvariantCulture, f, i)));

    private static Dictionary<string, Tensor> EmptyPast(int batch) =>
        Layers("past_key_values.{0}.key", "past_key_values.{0}.value").ToDictionary(n => n, _ => (Tensor)Tensor.FromArray(Array.Empty<float>(), batch, Config.Heads, 0, Config.HeadSize));

    private static Tensor Tokens(int batch, int length, int seed)
    {
        var random = new Random(seed);
        return Tensor.FromArray(Enumerable.Range(0, batch * length).Select(_ => (long)random.Next(Config.VocabSize)).ToArray(), batch, length);
    }

    private static Tensor Columns(Tensor ids, int start, int count)
    {
        var all = ids.ToArray<long>();
        long rows = ids.Dims[0], width = ids.Dims[1];
        var result = new long[rows * count];
        for (long r = 0; r < rows; r++) Array.Copy(all, r * width + start, result, r * count, count);
        return Tensor.FromArray(result, rows, count);
    }

    private static Tensor Ones(int batch, int length) => Tensor.FromArray(Enumerable.Repeat(1L, batch * length).ToArray(), batch, length);

    private static Tensor Logits(IReadOnlyList<NamedValue> outputs) => ((TensorValue)outputs.Single(o => o.Name == "logits").Value!).Tensor;

    private static void AssertClose(Tensor expected, int expectedRow, int expectedPosition, Tensor actual, int actualRow, int actualPosition, string where)
    {
        int vocab = Config.VocabSize;
        var e = expected.AsSpan<float>().Slice((int)((expectedRow * expected.Dims[1] + expectedPosition) * vocab), vocab).ToArray();
        var a = actual.AsSpan<float>().Slice((int)((actualRow * actual.Dims[1] + actualPosition) * vocab), vocab).ToArray();
        var comparison = TensorComparer.Compare(Tensor.FromArray(e, vocab), Tensor.FromArray(a, vocab), Fp32, "logits");
        Assert.True(comparison.Passed, $"{where}: {comparison.Reason}");
    }
}

using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Tests.Passes;

namespace Onnxc.Tests.Samples;

/// <summary>
/// Every tiny sample runs in ONNX Runtime with finite outputs, and batching is plumbed right: each row of a batch-2
/// run equals the batch-1 run of that row alone (this catches shape-chain mistakes that mix batch rows).
/// </summary>
public class SampleRuntimeTests
{
    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("gpt2-tiny")]
    [InlineData("gpt2-tiny-past")]
    [InlineData("llama-tiny")]
    [InlineData("vit-tiny")]
    public void Batch_rows_match_single_row_runs(string sample)
    {
        var path = SampleFiles.Get(sample);
        using var model = OnnxImporter.Load(path);
        using var runner = new OrtRunner(path);
        var generator = new GeneratorOptions { IntegerUpperBounds = GenerationHints.EmbeddingUpperBounds(model) };
        var dims = new Dictionary<string, long> { ["batch"] = 2, ["sequence"] = 7, [Onnxc.Samples.Gpt2PastBuilder.Past] = 3, [Onnxc.Samples.Gpt2PastBuilder.Total] = 10 };
        var batch = InputGenerator.Generate(runner.Inputs, 1, seed: 3, dims, generator)[0];

        var both = runner.Run(batch);
        foreach (var output in both)
        {
            var tensor = ((TensorValue)output.Value!).Tensor;
            Assert.Equal(2, tensor.Dims[0]);
            Assert.All(tensor.ToArray<float>(), v => Assert.True(float.IsFinite(v), $"{sample}: {output.Name} has a non-finite value"));
        }

        for (int row = 0; row < 2; row++)
        {
            var single = batch.ToDictionary(p => p.Key, p => (RuntimeValue?)Row(((TensorValue)p.Value!).Tensor, row));
            var alone = runner.Run(single);
            foreach (var (expected, actual) in alone.Zip(both))
            {
                var rowOfBatch = Row(((TensorValue)actual.Value!).Tensor, row);
                var comparison = TensorComparer.Compare(((TensorValue)expected.Value!).Tensor, rowOfBatch, new Tolerance("batch-row", 1e-4, 1e-5), expected.Name);
                Assert.True(comparison.Passed, $"{sample} row {row} of '{expected.Name}': {comparison.Reason}");
            }
        }
    }

    private static Tensor Row(Tensor tensor, int row)
    {
        long rowBytes = tensor.ByteLength / tensor.Dims[0];
        var dims = tensor.Dims.ToArray();
        dims[0] = 1;
        return new DenseTensor(tensor.ElementType, dims, tensor.Bytes.Slice((int)(row * rowBytes), (int)rowBytes));
    }
}

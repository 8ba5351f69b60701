using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Cleanup;

namespace Onnxc.Tests.Passes.CleanupFolding;

/// <summary>
/// Folded results are bit-identical to what ONNX Runtime computes for the same node: each case runs once in ORT
/// with the operands as graph inputs and once through fold-constants with them as initializers, and the bytes must match.
/// </summary>
public class FoldConstantsOrtTests
{
    private static readonly Random Rng = new(1234);

    private static Tensor RandomFloats(params long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        var data = Enumerable.Range(0, (int)count).Select(_ => (float)(Rng.NextDouble() * 20 - 10) * (float)Math.Pow(10, Rng.Next(-3, 3))).ToArray();
        return Tensor.FromArray(data, dims);
    }

    private static Tensor PositiveFloats(params long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        return Tensor.FromArray(Enumerable.Range(0, (int)count).Select(_ => (float)(Rng.NextDouble() * 7 + 1e-3)).ToArray(), dims);
    }

    public static TheoryData<string> Cases() => new() { "Add", "Sub", "Mul", "Div", "Sqrt", "Neg", "Pow2", "Pow3", "PowScalar", "PowTensor", "Range", "CastToInt", "CastFromInt64", "CastToDouble" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Folded_result_matches_onnx_runtime_bit_for_bit(string name)
    {
        var (op, inputs, attributes) = name switch
        {
            "Add" or "Sub" or "Mul" or "Div" => (name, new[] { RandomFloats(4, 8), RandomFloats(8) }, Array.Empty<Ir.Attribute>()),
            "Sqrt" => ("Sqrt", new[] { PositiveFloats(64) }, Array.Empty<Ir.Attribute>()),
            "Neg" => ("Neg", new[] { RandomFloats(64) }, Array.Empty<Ir.Attribute>()),
            "Pow2" => ("Pow", new[] { RandomFloats(64), Tensor.Scalar(2f) }, Array.Empty<Ir.Attribute>()),
            "Pow3" => ("Pow", new[] { RandomFloats(64), Tensor.Scalar(3f) }, Array.Empty<Ir.Attribute>()),
            "PowScalar" => ("Pow", new[] { PositiveFloats(64), Tensor.Scalar(0.37f) }, Array.Empty<Ir.Attribute>()),
            "PowTensor" => ("Pow", new[] { PositiveFloats(64), RandomFloats(64) }, Array.Empty<Ir.Attribute>()),
            "Range" => ("Range", new[] { Tensor.Scalar(0.1f), Tensor.Scalar(13.3f), Tensor.Scalar(0.17f) }, Array.Empty<Ir.Attribute>()),
            "CastToInt" => ("Cast", new[] { RandomFloats(64) }, new[] { Ir.Attribute.Int("to", (long)DataType.Int32) }),
            "CastFromInt64" => ("Cast", new[] { Tensor.Vector(long.MaxValue, long.MinValue, 123456789123456789L, -987654321987L, 16777217L) }, new[] { Ir.Attribute.Int("to", (long)DataType.Float) }),
            _ => ("Cast", new[] { RandomFloats(64) }, new[] { Ir.Attribute.Int("to", (long)DataType.Double) }),
        };

        var runtime = RunInOrt(op, inputs, attributes);
        var folded = Fold(op, inputs, attributes);

        Assert.Equal(runtime.ElementType, folded.ElementType);
        Assert.Equal(runtime.Dims, folded.Dims);
        Assert.True(runtime.Bytes.Span.SequenceEqual(folded.Bytes.Span), $"{name}: folded bytes differ from ONNX Runtime's");
    }

    private static Model Build(string op, Tensor[] inputs, Ir.Attribute[] attributes, bool asInputs)
    {
        var graph = new Graph("case");
        var values = inputs.Select((t, i) => asInputs ? graph.AddInput(new Value("in" + i, t.Type)) : graph.AddInitializer("in" + i, t)).ToArray();
        var node = graph.Append(op, values, attributes: attributes, outputHint: "result");
        // Read the result through a node so folding may replace it (graph outputs keep their producers).
        var read = graph.Append("Identity", new[] { node.Output() }, outputHint: "out");
        graph.AddOutput(read.Output());
        var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        return model;
    }

    private static Tensor Fold(string op, Tensor[] inputs, Ir.Attribute[] attributes)
    {
        using var model = Build(op, inputs, attributes, asInputs: false);
        var result = new FoldConstants().Run(model, new PassContext());
        Assert.True(result.Changed, $"{op} was not folded");
        var source = model.Graph.Outputs[0].Producer!.Input(0)!;
        return source.Initializer ?? throw new InvalidOperationException("result is not an initializer");
    }

    private static Tensor RunInOrt(string op, Tensor[] inputs, Ir.Attribute[] attributes)
    {
        using var model = Build(op, inputs, attributes, asInputs: true);
        var folder = Directory.CreateTempSubdirectory("onnxc-fold-");
        try
        {
            var path = Path.Combine(folder.FullName, "case.onnx");
            OnnxExporter.Save(model, path);
            using var runner = new OrtRunner(path);
            var feed = inputs.Select((t, i) => ("in" + i, (RuntimeValue?)t)).ToDictionary(p => p.Item1, p => p.Item2);
            var output = runner.Run(feed)[0].Value;
            return Assert.IsType<TensorValue>(output).Tensor;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

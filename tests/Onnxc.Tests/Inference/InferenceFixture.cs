using Onnxc.Ir;
using Onnxc.Ir.Inference;

namespace Onnxc.Tests.Inference;

/// <summary>Builds small IR graphs for inference tests: typed inputs from "batch"/128 dim lists, int64 constants, a run.</summary>
internal sealed class InferenceFixture
{
    public InferenceFixture(long opset = 21)
    {
        Graph = new Graph("test");
        Model = new Model(Graph);
        Model.OpsetImports.Add(new OpsetImport("", opset));
        Model.OpsetImports.Add(new OpsetImport("com.microsoft", 1));
    }

    public Model Model { get; }

    public Graph Graph { get; }

    /// <summary>Dims are longs (static), strings (symbolic) or null (unknown).</summary>
    public static Shape ShapeOf(params object?[] dims) => new(dims.Select(d => d switch
    {
        null => Dim.Unknown,
        string s => Dim.Named(s),
        int i => Dim.Of(i),
        long l => Dim.Of(l),
        _ => throw new ArgumentException($"bad dim {d}"),
    }));

    public Value Input(string name, DataType type, params object?[] dims) => Graph.AddInput(new Value(name, new TensorType(type, ShapeOf(dims))));

    public Value Input(string name, params object?[] dims) => Input(name, DataType.Float, dims);

    /// <summary>An input whose rank is unknown.</summary>
    public Value UnrankedInput(string name, DataType type = DataType.Float) => Graph.AddInput(new Value(name, new TensorType(type, null)));

    public Value Ints(string name, params long[] values) => Graph.AddInitializer(name, Tensor.Vector(values));

    public Value Scalar(string name, long value) => Graph.AddInitializer(name, Tensor.Scalar(value));

    public Value Weight(string name, params long[] dims) =>
        Graph.AddInitializer(name, Tensor.FromArray(new float[dims.Aggregate(1L, (a, d) => a * d)], dims));

    public Node Op(string op, params Value?[] inputs) => Graph.Append(op, inputs);

    public Node Op(string op, Value?[] inputs, params Attribute[] attributes) => Graph.Append(op, inputs, attributes: attributes);

    public Node Op(string op, Value?[] inputs, int outputs, params Attribute[] attributes) => Graph.Append(op, inputs, outputs, attributes: attributes);

    public Node Contrib(string op, Value?[] inputs, int outputs, params Attribute[] attributes) =>
        Graph.Append(op, inputs, outputs, domain: "com.microsoft", attributes: attributes);

    public ShapeInferenceResult Run() => ShapeInference.Run(Model);

    /// <summary>Runs inference and fails the test on any diagnostic.</summary>
    public ShapeInferenceResult RunClean()
    {
        var result = Run();
        Assert.True(result.Diagnostics.Count == 0, string.Join("\n", result.Diagnostics));
        return result;
    }
}

internal static class InferenceAssert
{
    /// <summary>Compares with the text form of the type: "f32[batch,128]", "i64[?]", "f32" (rank unknown).</summary>
    public static void HasType(string expected, Value value) => Assert.Equal(expected, value.Type?.ToString() ?? "(none)");
}

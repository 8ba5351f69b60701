using System.Runtime.InteropServices;
using FsCheck;
using FsCheck.Fluent;
using Onnxc.Backends.CustomOps;
using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Sparsity;
using Onnxc.Tests.Sparsity;

namespace Onnxc.Tests.CustomOps;

/// <summary>The native SparseMatMul24 kernel, run by ONNX Runtime through the registered library, against a dense reference.</summary>
public class SparseMatMul24KernelTests
{
    private static void RequireLibrary() =>
        Assert.SkipWhen(CustomOpLibrary.Path is null,
            $"the custom-op library was not built ('make native'); looked in {string.Join(", ", CustomOpLibrary.SearchedLocations())}");

    /// <summary>Prunes a MatMul model to SparseMatMul24, runs it in ORT and returns (output, 2:4 weight [K, N]).</summary>
    private static (float[] Output, float[] PrunedWeight) RunSparse(Model model, int k, int n, Tensor input, int threads = 1, SparseValues storage = SparseValues.LayerType)
    {
        new Prune24Pass(new Prune24Options { Values = storage }).Run(model, new PassContext { Target = EmissionTarget.OrtWithOnnxcOps });
        var node = model.Graph.Nodes.Single(x => x.Is("SparseMatMul24", CustomOpLibrary.Domain));
        var valuesFloat = ToFloats(node.Input(1)!.Initializer!);
        if (storage == SparseValues.Int8)
        {
            // The weight the op stands for: int8 values times their output column's scale.
            var scales = ToFloats(node.Input(4)!.Initializer!);
            valuesFloat = valuesFloat.Select((v, i) => v * scales[i / (k / 2)]).ToArray();
        }
        var rows = Sparse24Format.Decompress(valuesFloat, node.Input(2)!.Initializer!.ToArray<byte>(), n, k);
        var weight = new float[k * n];
        for (int j = 0; j < n; j++)
        {
            for (int p = 0; p < k; p++) weight[p * n + j] = rows[j * k + p];
        }
        var path = Path.Combine(Path.GetTempPath(), $"onnxc-sparse24-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Save(model, path, new ExportOptions());
            using var runner = new OrtRunner(path, new OrtRunnerOptions { IntraOpThreads = threads });
            var output = ((TensorValue)runner.Run(new Dictionary<string, RuntimeValue?> { ["a"] = input })[0].Value!).Tensor;
            var result = output.ElementType == DataType.Float ? output.ToArray<float>() : output.AsSpan<Half>().ToArray().Select(h => (float)h).ToArray();
            return (result, weight);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(1, 4, 1, false, false, 1)]
    [InlineData(1, 768, 40, true, false, 1)]     // M=1 decode row (gather path)
    [InlineData(16, 64, 9, true, true, 1)]       // one full 16-row tile, ragged column step
    [InlineData(17, 12, 5, false, true, 2)]      // full tile + one leftover row, K/4 odd (half-used meta byte)
    [InlineData(53, 96, 130, true, false, 2)]    // several tiles and column blocks, threaded
    [InlineData(128, 256, 64, true, true, 2)]
    public void Float32_matches_the_dense_product_of_the_pruned_weights(int m, int k, int n, bool bias, bool relu, int threads)
    {
        RequireLibrary();
        var random = new Random(m * 1000 + k + n);
        var a = LinearModels.Random(random, m * k);
        var b = bias ? LinearModels.Random(random, n) : null;
        using var model = LinearModels.MatMul(m, k, n, LinearModels.Random(random, k * n), b, relu);
        var (output, weight) = RunSparse(model, k, n, Tensor.FromArray(a, m, k), threads);
        var expected = LinearModels.Reference(a, weight, b, m, k, n, relu);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - output[i]) <= 1e-5 * Math.Sqrt(k) + 1e-5 * Math.Abs(expected[i]), $"element {i}: {output[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData(7, 64, 37, 1)]      // partial last panel (bias and Y must not be touched past N)
    [InlineData(40, 128, 200, 2)]   // row steps of 4 and a leftover row, several column blocks
    public void Gelu_epilogue_matches_the_exact_erf_gelu(int m, int k, int n, int threads)
    {
        RequireLibrary();
        var random = new Random(m + k + n);
        // Pre-activations spread over about ±12, so erf's tails (and exp's underflow) are exercised.
        var a = LinearModels.Random(random, m * k).Select(v => 2 * v).ToArray();
        var b = LinearModels.Random(random, n);
        using var model = LinearModels.MatMul(m, k, n, LinearModels.Random(random, k * n), b);
        var y = model.Graph.Outputs[0];
        var gelu = model.Graph.Append("Gelu", new[] { y }, domain: "com.microsoft", name: "fc_gelu").Output();
        gelu.Type = y.Type;
        model.Graph.SetOutput(0, gelu);
        model.OpsetImports.Add(new OpsetImport("com.microsoft", 1));
        var (output, weight) = RunSparse(model, k, n, Tensor.FromArray(a, m, k), threads);
        Assert.Contains(model.Graph.Nodes, x => x.Is("SparseMatMul24", CustomOpLibrary.Domain) && x.GetString("activation", "") == "gelu");
        var linear = LinearModels.Reference(a, weight, b, m, k, n, relu: false);
        for (int i = 0; i < linear.Length; i++)
        {
            double x = linear[i], expected = 0.5 * x * (1 + MathNet.Numerics.SpecialFunctions.Erf(x / Math.Sqrt(2)));
            // erf approximated to 1.5e-7 absolute, times 0.5·|x|, on top of the float accumulation error.
            Assert.True(Math.Abs(expected - output[i]) <= 1e-5 * Math.Sqrt(k) + 1e-7 * Math.Abs(x) + 1e-5 * Math.Abs(expected), $"element {i}: gelu({x}) = {output[i]} vs {expected}");
        }
    }

    [Fact]
    public void Every_value_type_matches_the_dense_product_for_random_shapes()
    {
        RequireLibrary();
        // Any M (row steps of 4 and leftovers), any N (partial last panel of 8, partial column block of 64), K/4 odd or
        // even; T float or float16, values T or int8 (the dense reference then uses the dequantized weight).
        var shapes = Gen.Choose(1, 37).SelectMany(m => Gen.Choose(1, 24).SelectMany(groups => Gen.Choose(1, 75).Select(n => (m, groups, n))));
        var property = Prop.ForAll(shapes.ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(),
            (shape, seed) =>
            {
                var (m, groups, n) = shape;
                int k = 4 * groups;
                var type = seed % 4 < 2 ? DataType.Float : DataType.Float16;
                var storage = seed % 2 == 0 ? SparseValues.LayerType : SparseValues.Int8;
                Func<float, float> representable = type == DataType.Float ? v => v : v => (float)(Half)v;
                var random = new Random(seed);
                var a = LinearModels.Random(random, m * k).Select(representable).ToArray();
                var b = seed % 3 == 0 ? LinearModels.Random(random, n).Select(representable).ToArray() : null;
                bool relu = seed % 5 == 0;
                using var model = LinearModels.MatMul(m, k, n, LinearModels.Random(random, k * n), b, relu, type);
                var input = type == DataType.Float ? Tensor.FromArray(a, m, k) : Tensor.FromArray(a.Select(v => (Half)v).ToArray(), m, k);
                var (output, weight) = RunSparse(model, k, n, input, threads: 1 + seed % 2, storage);
                var expected = LinearModels.Reference(a, weight, b, m, k, n, relu);
                double rounding = type == DataType.Float ? 1e-5 : 1.0 / 1024;  // float16 Y is rounded once
                return expected.Select((e, i) => Math.Abs(e - output[i]) <= 1e-5 * Math.Sqrt(k) + rounding * Math.Abs(e) + (type == DataType.Float ? 0 : 1e-4)).All(ok => ok);
            });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), property);
    }

    [Fact]
    public void Weights_fed_at_run_time_are_packed_per_run()
    {
        RequireLibrary();
        const int m = 5, k = 20, n = 11;
        var random = new Random(7);
        var rows = LinearModels.Random(random, n * k);
        MagnitudePruning.Prune(rows, k);
        var (values, meta) = Sparse24Format.Compress(rows, n, k);
        var graph = new Graph("fed");
        var inputs = new[]
        {
            graph.AddInput(new Value("a", new TensorType(DataType.Float, Shape.Of(m, k)))),
            graph.AddInput(new Value("values", new TensorType(DataType.Float, Shape.Of(n, k / 2)))),
            graph.AddInput(new Value("meta", new TensorType(DataType.UInt8, Shape.Of(n, Sparse24Format.MetaBytesPerRow(k))))),
        };
        var y = graph.Append("SparseMatMul24", inputs, domain: CustomOpLibrary.Domain).Output();
        y.Type = new TensorType(DataType.Float, Shape.Of(m, n));
        graph.AddOutput(y);
        using var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        model.OpsetImports.Add(new OpsetImport(CustomOpLibrary.Domain, 1));
        var path = Path.Combine(Path.GetTempPath(), $"onnxc-sparse24-fed-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Save(model, path, new ExportOptions());
            using var runner = new OrtRunner(path);
            var a = LinearModels.Random(random, m * k);
            var feed = new Dictionary<string, RuntimeValue?>
            {
                ["a"] = Tensor.FromArray(a, m, k),
                ["values"] = Tensor.FromArray(values, n, k / 2),
                ["meta"] = Tensor.FromArray(meta, n, Sparse24Format.MetaBytesPerRow(k)),
            };
            var output = ((TensorValue)runner.Run(feed)[0].Value!).Tensor.ToArray<float>();
            var weight = new float[k * n];
            for (int j = 0; j < n; j++)
            {
                for (int p = 0; p < k; p++) weight[p * n + j] = rows[j * k + p];
            }
            var expected = LinearModels.Reference(a, weight, null, m, k, n, relu: false);
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - output[i]) <= 1e-5, $"element {i}: {output[i]} vs {expected[i]}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static float[] ToFloats(Tensor t) => t.ElementType switch
    {
        DataType.Float => t.ToArray<float>(),
        DataType.Float16 => t.AsSpan<Half>().ToArray().Select(h => (float)h).ToArray(),
        DataType.Int8 => t.ToArray<sbyte>().Select(v => (float)v).ToArray(),
        _ => throw new ArgumentException($"unexpected {t.ElementType}"),
    };

    [Theory]
    [InlineData(1, 768, 40, true, false, DataType.Float)]
    [InlineData(17, 12, 5, false, true, DataType.Float)]
    [InlineData(53, 96, 130, true, false, DataType.Float)]
    [InlineData(9, 64, 33, true, true, DataType.Float16)]
    public void Int8_values_match_the_dense_product_of_the_dequantized_weights(int m, int k, int n, bool bias, bool relu, DataType type)
    {
        RequireLibrary();
        var random = new Random(m * 1000 + k + n);
        var a = LinearModels.Random(random, m * k).Select(v => type == DataType.Float ? v : (float)(Half)v).ToArray();
        var b = bias ? LinearModels.Random(random, n).Select(v => type == DataType.Float ? v : (float)(Half)v).ToArray() : null;
        var dense = LinearModels.Random(random, k * n);
        using var model = LinearModels.MatMul(m, k, n, dense, b, relu, type);
        var input = type == DataType.Float ? Tensor.FromArray(a, m, k) : Tensor.FromArray(a.Select(v => (Half)v).ToArray(), m, k);
        var (output, weight) = RunSparse(model, k, n, input, threads: 2, storage: SparseValues.Int8);
        var expected = LinearModels.Reference(a, weight, b, m, k, n, relu);
        double halfRounding = type == DataType.Float ? 0 : 1.0 / 1024;
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - output[i]) <= Math.Abs(expected[i]) * (halfRounding + 1e-5) + 1e-4 * Math.Sqrt(k), $"element {i}: {output[i]} vs {expected[i]}");

        // And the int8 weight is within half a quantization step of the pruned weight (plus, for float16, the
        // rounding of the scale itself, stored as T: up to 127 steps × 2^-11).
        var rows = Enumerable.Range(0, n).SelectMany(j => Enumerable.Range(0, k).Select(p => type == DataType.Float ? dense[p * n + j] : (float)(Half)dense[p * n + j])).ToArray();
        MagnitudePruning.Prune(rows, k);
        for (int j = 0; j < n; j++)
        {
            float step = Enumerable.Range(0, k).Max(p => Math.Abs(rows[j * k + p])) / 127;
            for (int p = 0; p < k; p++) Assert.True(Math.Abs(weight[p * n + j] - rows[j * k + p]) <= step * (0.5 + 127 * halfRounding / 2) * 1.0001 + 1e-7, $"weight [{p},{j}]");
        }
    }

    [Fact]
    public void Int8_emission_puts_scales_in_input_4_and_leaves_an_absent_bias_empty()
    {
        using var model = LinearModels.MatMul(4, 16, 8, LinearModels.Random(new Random(1), 16 * 8));
        new Prune24Pass(new Prune24Options { Values = SparseValues.Int8 }).Run(model, new PassContext { Target = EmissionTarget.OrtWithOnnxcOps });
        var node = Assert.Single(model.Graph.Nodes);
        Assert.Equal(DataType.Int8, node.Input(1)!.Initializer!.ElementType);
        Assert.Null(node.Input(3));
        Assert.Equal(new long[] { 8 }, node.Input(4)!.Initializer!.Dims.ToArray());
    }

    [Fact]
    public void Int8_values_on_the_portable_target_are_refused()
    {
        using var model = LinearModels.MatMul(4, 16, 8, LinearModels.Random(new Random(1), 16 * 8));
        var error = Assert.Throws<OnnxcException>(() => new Prune24Pass(new Prune24Options { Values = SparseValues.Int8 }).Run(model, new PassContext()));
        Assert.Equal(DiagnosticIds.Usage, error.Diagnostic.Id);
        Assert.Contains("ort+onnxc", error.Message);
    }

    [Theory]
    [InlineData(1, 768, 40, true, false, 1)]
    [InlineData(17, 12, 5, false, true, 2)]
    [InlineData(53, 96, 130, true, false, 2)]
    public void Float16_matches_the_dense_product_within_half_rounding(int m, int k, int n, bool bias, bool relu, int threads)
    {
        RequireLibrary();
        var random = new Random(m * 1000 + k + n);
        // Inputs already representable in half, so the only rounding left is the output's (accumulation is float).
        var a = LinearModels.Random(random, m * k).Select(v => (float)(Half)v).ToArray();
        var b = bias ? LinearModels.Random(random, n).Select(v => (float)(Half)v).ToArray() : null;
        using var model = LinearModels.MatMul(m, k, n, LinearModels.Random(random, k * n), b, relu, DataType.Float16);
        var input = Tensor.FromArray(a.Select(v => (Half)v).ToArray(), m, k);
        var (output, weight) = RunSparse(model, k, n, input, threads);
        var expected = LinearModels.Reference(a, weight, b, m, k, n, relu);
        // One half rounding of the result (2^-11 relative) plus float accumulation error.
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - output[i]) <= Math.Abs(expected[i]) / 1024 + 1e-4 * Math.Sqrt(k), $"element {i}: {output[i]} vs {expected[i]}");
    }

    [Fact]
    public void Float16_layers_become_SparseMatMul24_with_half_values()
    {
        using var model = LinearModels.MatMul(4, 16, 8, LinearModels.Random(new Random(1), 16 * 8), type: DataType.Float16);
        new Prune24Pass().Run(model, new PassContext { Target = EmissionTarget.OrtWithOnnxcOps });
        var node = Assert.Single(model.Graph.Nodes);
        Assert.True(node.Is("SparseMatMul24", CustomOpLibrary.Domain));
        Assert.Equal(DataType.Float16, node.Input(1)!.Initializer!.ElementType);
    }

    /// <summary>A one-node SparseMatMul24 model A f32[2, k] · (values, meta) → f32[2, 3], saved to a temp file.</summary>
    private static string SaveSingleOp(int k, Tensor values, Tensor meta)
    {
        var graph = new Graph("single");
        var a = graph.AddInput(new Value("a", new TensorType(DataType.Float, Shape.Of(2, k))));
        var y = graph.Append("SparseMatMul24", new[] { a, graph.AddInitializer("values", values), graph.AddInitializer("meta", meta) }, domain: CustomOpLibrary.Domain).Output();
        y.Type = new TensorType(DataType.Float, Shape.Of(2, 3));
        graph.AddOutput(y);
        using var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));
        model.OpsetImports.Add(new OpsetImport(CustomOpLibrary.Domain, 1));
        var path = Path.Combine(Path.GetTempPath(), $"onnxc-sparse24-single-{Guid.NewGuid():N}.onnx");
        OnnxExporter.Save(model, path, new ExportOptions());
        return path;
    }

    [Fact]
    public void Mismatched_element_types_are_refused_with_a_message()
    {
        RequireLibrary();
        var path = SaveSingleOp(8, Tensor.FromArray(new Half[3 * 4], 3, 4), Tensor.FromArray(new byte[3], 3, 1));
        try
        {
            var error = Assert.Throws<OnnxcException>(() =>
            {
                using var runner = new OrtRunner(path);
                runner.Run(new Dictionary<string, RuntimeValue?> { ["a"] = Tensor.FromArray(new float[16], 2, 8) });
            });
            Assert.Contains("B_values is float16, expected float", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void K_not_a_multiple_of_4_is_refused_with_a_message()
    {
        RequireLibrary();
        var path = SaveSingleOp(6, Tensor.FromArray(new float[3 * 3], 3, 3), Tensor.FromArray(new byte[3], 3, 1));
        try
        {
            // Constant weights are packed when the session is created, so the refusal comes at load.
            var error = Assert.Throws<OnnxcException>(() => new OrtRunner(path).Dispose());
            Assert.Contains("K = 6 is not a multiple of 4", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public unsafe void Library_exports_the_registration_entry_and_the_embedded_ptx_when_clang_built_it()
    {
        RequireLibrary();
        var handle = NativeLibrary.Load(CustomOpLibrary.Path!);
        try
        {
            Assert.True(NativeLibrary.TryGetExport(handle, "RegisterCustomOps", out _));
            Assert.True(NativeLibrary.TryGetExport(handle, "onnxc_sparse24_ptx", out var ptxExport));
            var ptx = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)ptxExport)());
            Assert.SkipWhen(ptx is null, "the library was built without clang++, so it holds no CUDA kernel (CPU only)");
            Assert.Contains(".entry onnxc_sparse_matmul24_f32", ptx);
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }
}

using Onnxc.Backends.Onnx;
using Onnxc.Ir;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.OnnxIo;

public sealed class ExternalDataTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("onnxc-ext-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathIn(string folder, string file = "model.onnx") => Path.Combine(Directory.CreateDirectory(Path.Combine(_dir.FullName, folder)).FullName, file);

    private static string RealModel() => Path.Combine(SharedData.RequireOrSkip("models/vit-mnist"), "model.onnx");

    [Fact]
    public void Saving_with_a_threshold_moves_large_initializers_out_and_reloads_identically()
    {
        using var original = OnnxImporter.Load(RealModel());
        var path = PathIn("a");
        OnnxExporter.Save(original, path, new ExportOptions { ExternalDataThreshold = 1024 });

        Assert.True(File.Exists(path + ".data"));
        Assert.True(new FileInfo(path).Length < 200_000, "weights should have left the protobuf");
        using var reloaded = OnnxImporter.Load(path);
        var external = reloaded.Graph.Initializers.Select(v => v.Initializer).OfType<ExternalTensor>().ToList();
        Assert.NotEmpty(external);
        Assert.All(external, t => Assert.True(t.ByteLength >= 1024));
        Assert.All(external, t => Assert.Equal(0, t.Offset % (t.ByteLength >= 4096 ? 4096 : 64)));
        Assert.Single(external.Select(t => t.File).Distinct());
        Assert.Equal(IrDump.Of(original), IrDump.Of(reloaded));
        // Inline again: the same bytes as exporting the original inline.
        Assert.Equal(OnnxExporter.ToBytes(original), OnnxExporter.ToBytes(reloaded));

        // Saving the external-data model elsewhere rewrites both files byte for byte.
        var copy = PathIn("b");
        OnnxExporter.Save(reloaded, copy, new ExportOptions { ExternalDataThreshold = 1024 });
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(copy));
        Assert.Equal(File.ReadAllBytes(path + ".data"), File.ReadAllBytes(copy + ".data"));
    }

    [Fact]
    public void Re_saving_over_the_mapped_files_keeps_the_data_correct()
    {
        using var original = OnnxImporter.Load(RealModel());
        var expected = IrDump.Of(original);
        var path = PathIn("same");
        OnnxExporter.Save(original, path, new ExportOptions { ExternalDataThreshold = 1024 });

        using (var mapped = OnnxImporter.Load(path))
        {
            // Smaller threshold changes the layout, so a naive in-place write would corrupt what is being read.
            OnnxExporter.Save(mapped, path, new ExportOptions { ExternalDataThreshold = 100 });
            Assert.Equal(expected, IrDump.Of(mapped));
        }
        using (var again = OnnxImporter.Load(path))
        {
            Assert.Equal(expected, IrDump.Of(again));
            OnnxExporter.Save(again, path);
        }
        using var inline = OnnxImporter.Load(path);
        Assert.Equal(expected, IrDump.Of(inline));
        Assert.DoesNotContain(inline.Graph.Initializers, v => v.Initializer is ExternalTensor);
        // The inline save removed the data file of the earlier external save; nothing else is left beside the model.
        Assert.Equal(new[] { "model.onnx" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Same_model_saves_to_identical_bytes()
    {
        using var model = OnnxImporter.Load(RealModel());
        var a = PathIn("d1");
        var b = PathIn("d2");
        OnnxExporter.Save(model, a);
        OnnxExporter.Save(model, b);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.False(File.Exists(a + ".data"));
    }

    [Fact]
    public void Failed_save_leaves_nothing_behind_and_keeps_the_old_file()
    {
        var graph = new Graph("g");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(1024))));
        var w = graph.AddInitializer("w", new LazyTensor(DataType.Float, new long[] { 1024 }, () => throw new IOException("disk on fire")));
        var add = graph.Append("Add", new[] { x, w });
        graph.AddOutput(add.Output());
        using var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));

        var path = PathIn("fail");
        File.WriteAllText(path, "old");
        var error = Assert.Throws<OnnxcException>(() => OnnxExporter.Save(model, path, new ExportOptions { ExternalDataThreshold = 16 }));
        Assert.Equal(DiagnosticIds.OutputWriteFailed, error.Diagnostic.Id);
        Assert.Equal(new[] { "model.onnx" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        Assert.Equal("old", File.ReadAllText(path));

        Assert.Throws<IOException>(() => OnnxExporter.Save(model, path));
        Assert.Equal(new[] { "model.onnx" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void Lazy_initializer_is_written_without_being_cached()
    {
        var graph = new Graph("g");
        var x = graph.AddInput(new Value("x", new TensorType(DataType.Float, Shape.Of(4))));
        int computed = 0;
        var lazy = new LazyTensor(DataType.Float, new long[] { 4 }, () =>
        {
            computed++;
            return Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, 4).Bytes;
        });
        var w = graph.AddInitializer("w", lazy);
        graph.AddOutput(graph.Append("Add", new[] { x, w }).Output());
        using var model = new Model(graph);
        model.OpsetImports.Add(new OpsetImport("", 17));

        var path = PathIn("lazy");
        OnnxExporter.Save(model, path, new ExportOptions { ExternalDataThreshold = 8 });
        OnnxExporter.Save(model, path);
        Assert.Equal(2, computed);
        Assert.False(lazy.IsMaterialized);
        using var reloaded = OnnxImporter.Load(path);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, reloaded.Graph.Initializers[0].Initializer!.ToArray<float>());
    }
}

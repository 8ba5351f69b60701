using Google.Protobuf;
using Onnxc.Backends.Onnx.Export;
using Onnxc.Backends.Onnx.Protos;
using Onnxc.Ir;

namespace Onnxc.Backends.Onnx;

/// <summary>
/// Writes IR models as ONNX. Output is deterministic (same model, same bytes), names are made unique, nodes are
/// written in topological order, and files appear atomically: on any failure nothing is left behind.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Above this much inline tensor data the protobuf would pass its 2 GB limit, with room for the graph.</summary>
    private const long InlineLimit = int.MaxValue - (256L << 20);

    /// <summary>Initializers at least this large are moved out when the model must be split automatically.</summary>
    private const long AutomaticThreshold = 1024;

    /// <summary>
    /// Saves the model to <paramref name="path"/>; external data, if any, goes to "&lt;file name&gt;.data" beside it.
    /// Saving inline removes a "&lt;file name&gt;.data" left by an earlier save to the same path.
    /// </summary>
    public static void Save(Model model, string path, ExportOptions? options = null)
    {
        options ??= new ExportOptions();
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        var fileName = Path.GetFileName(full);
        var dataPath = full + ".data";
        var threshold = options.ExternalDataThreshold ?? (InlineBytes(model) > InlineLimit ? AutomaticThreshold : null);
        var plan = new ExternalDataPlan(threshold, fileName + ".data");
        var proto = ModelWriter.Write(model, plan);
        CheckSize(model, threshold);

        var tag = Guid.NewGuid().ToString("N")[..12];
        var modelTemp = Path.Combine(directory, $".{fileName}.{tag}.tmp");
        var dataTemp = Path.Combine(directory, $".{fileName}.data.{tag}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            if (plan.HasExternalData)
            {
                using var data = new FileStream(dataTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
                plan.WriteData(data);
                data.Flush();
            }
            using (var stream = new FileStream(modelTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var output = new CodedOutputStream(stream, leaveOpen: true);
                proto.WriteTo(output);
                output.Flush();
                stream.Flush();
            }
            // Renaming over a file that is still memory-mapped (re-saving an imported model in place) is safe: the
            // mapping keeps the old file's contents until the model is disposed.
            if (plan.HasExternalData) File.Move(dataTemp, dataPath, overwrite: true);
            File.Move(modelTemp, full, overwrite: true);
            // "<file>.data" beside a model is the data file onnxc writes for it: once the model is saved inline, an
            // old one would only mislead (tools that glob for it, disk use), so it goes.
            if (!plan.HasExternalData) TryDelete(dataPath);
        }
        catch (Exception e)
        {
            TryDelete(dataTemp);
            TryDelete(modelTemp);
            if (e is IOException or UnauthorizedAccessException)
            {
                throw new OnnxcException(DiagnosticIds.OutputWriteFailed, $"cannot write '{full}': {e.Message}", location: full, inner: e);
            }
            throw;
        }
    }

    /// <summary>Serializes the model with every tensor inline; fails (ONNXC0107) if that passes protobuf's 2 GB limit.</summary>
    public static byte[] ToBytes(Model model)
    {
        CheckSize(model, null);
        return ModelWriter.Write(model, new ExternalDataPlan(null, null)).ToByteArray();
    }

    private static void CheckSize(Model model, long? threshold)
    {
        long inline = InlineBytes(model, threshold);
        if (inline > InlineLimit)
        {
            throw new OnnxcException(DiagnosticIds.ModelTooLarge,
                $"the model holds {inline} bytes of inline tensor data, more than protobuf's 2 GB limit allows",
                hint: "save it to a file with ExportOptions.ExternalDataThreshold (e.g. 1024) so weights go to external data");
        }
    }

    /// <summary>Bytes of tensor data that would be written inside the protobuf.</summary>
    private static long InlineBytes(Model model, long? threshold = null)
    {
        long total = 0;
        foreach (var graph in Graphs(model))
        {
            foreach (var value in graph.Initializers)
            {
                if (value.Initializer is { } t && (threshold is null || t.ByteLength < threshold)) total += t.ByteLength;
                if (value.SparseInitializer is { } s) total += s.Values.ByteLength + s.Indices.ByteLength;
            }
            foreach (var node in graph.Nodes)
            {
                foreach (var attribute in node.Attributes)
                {
                    if (attribute.Value is Tensor t) total += t.ByteLength;
                    if (attribute.Value is Tensor[] ts) total += ts.Sum(x => x.ByteLength);
                }
            }
        }
        return total;
    }

    private static IEnumerable<Graph> Graphs(Model model)
    {
        var roots = new[] { model.Graph }.Concat(model.Functions.Select(f => f.Body));
        foreach (var root in roots)
        {
            yield return root;
            foreach (var node in root.AllNodes())
            {
                foreach (var sub in node.Subgraphs) yield return sub;
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original error matters more than a leftover temp file.
        }
    }
}

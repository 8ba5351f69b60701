using System.IO.Compression;
using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>NumPy .npz archives: a zip of .npy files, one per named array (numpy.savez).</summary>
public static class NpzFormat
{
    /// <summary>The arrays in archive order, named by entry name without ".npy".</summary>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> Read(string path)
    {
        if (!File.Exists(path)) throw new OnnxcException(DiagnosticIds.FileNotFound, $"input file '{path}' does not exist");
        try
        {
            using var archive = ZipFile.OpenRead(path);
            var arrays = new List<KeyValuePair<string, Tensor>>();
            foreach (var entry in archive.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                using var stream = entry.Open();
                // Zip entry streams do not seek; the .npy reader reads forward only, so this is fine.
                var name = entry.FullName[..^4];
                arrays.Add(new(name, NpyFormat.Read(stream, $"{path}:{entry.FullName}")));
            }
            return arrays;
        }
        catch (InvalidDataException e)
        {
            throw new OnnxcException(DiagnosticIds.InputData, $"'{path}' is not a readable .npz (zip) archive: {e.Message}", inner: e);
        }
    }

    /// <summary>Writes named tensors as an uncompressed .npz archive.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> arrays)
    {
        using var stream = File.Create(path);
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create);
        foreach (var (name, tensor) in arrays)
        {
            var entry = archive.CreateEntry(name + ".npy", CompressionLevel.NoCompression);
            using var entryStream = entry.Open();
            NpyFormat.Write(tensor, entryStream);
        }
    }
}

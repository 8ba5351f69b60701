namespace Onnxc.Conformance;

/// <summary>
/// The manifest.tsv of the conformance corpus: one row per test folder with its flags (sequence, optional,
/// string, subgraph, random_output, ...). Test ids are folder paths relative to the manifest's directory.
/// </summary>
public sealed class ConformanceManifest
{
    private readonly Dictionary<string, IReadOnlySet<string>> _flags;

    private ConformanceManifest(string directory, Dictionary<string, IReadOnlySet<string>> flags)
    {
        Directory = directory;
        _flags = flags;
    }

    /// <summary>The directory holding manifest.tsv; test ids are relative to it.</summary>
    public string Directory { get; }

    public IReadOnlySet<string> FlagsOf(string testId) => _flags.TryGetValue(testId, out var f) ? f : new HashSet<string>();

    /// <summary>Finds manifest.tsv in <paramref name="dir"/> or an ancestor; null when there is none.</summary>
    public static ConformanceManifest? Find(string dir)
    {
        for (var d = new DirectoryInfo(Path.GetFullPath(dir)); d is not null; d = d.Parent)
        {
            var path = Path.Combine(d.FullName, "manifest.tsv");
            if (File.Exists(path)) return Load(path);
        }
        return null;
    }

    public static ConformanceManifest Load(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new Ir.OnnxcException(Ir.DiagnosticIds.InputData, $"manifest '{path}' is empty");
        var header = lines[0].Split('\t');
        int testColumn = Array.IndexOf(header, "test");
        int flagsColumn = Array.IndexOf(header, "flags");
        if (testColumn < 0 || flagsColumn < 0) throw new Ir.OnnxcException(Ir.DiagnosticIds.InputData, $"manifest '{path}' lacks a 'test' or 'flags' column");
        var flags = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split('\t');
            if (cells.Length <= Math.Max(testColumn, flagsColumn)) continue;
            flags[cells[testColumn]] = cells[flagsColumn].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(f => f != "-").ToHashSet(StringComparer.Ordinal);
        }
        return new ConformanceManifest(Path.GetDirectoryName(Path.GetFullPath(path))!, flags);
    }
}

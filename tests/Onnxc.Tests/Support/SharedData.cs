namespace Onnxc.Tests.Support;

/// <summary>
/// Locates ../shared (conformance tests and real models) beside the project root. A user's own clone may
/// lack it: tests that need it call <see cref="RequireOrSkip"/>, which prints why they skip.
/// </summary>
public static class SharedData
{
    public static string ProjectRoot { get; } = FindProjectRoot();

    public static string? Root
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(ProjectRoot, "..", "shared"));
            return Directory.Exists(path) ? path : null;
        }
    }

    /// <summary>The path under ../shared, or a skip (with the reason printed) when ../shared is absent.</summary>
    public static string RequireOrSkip(string relative)
    {
        var root = Root;
        Assert.SkipWhen(root is null, $"../shared is not beside the project root ({ProjectRoot}); this test needs {relative}");
        var path = Path.Combine(root!, relative);
        Assert.SkipWhen(!File.Exists(path) && !Directory.Exists(path), $"../shared/{relative} is missing");
        return path;
    }

    private static string FindProjectRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Compiler.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Compiler.sln not found above the test binaries");
    }
}

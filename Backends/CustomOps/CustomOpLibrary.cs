using Microsoft.ML.OnnxRuntime;
using Onnxc.Ir;

namespace Onnxc.Backends.CustomOps;

/// <summary>
/// The onnxc custom-op library (libonnxc_customops.so, domain com.onnxc) that models using onnxc's own operators
/// need at run time. Built by <c>make native</c>, shipped next to the CLI.
/// </summary>
public static class CustomOpLibrary
{
    /// <summary>The operator domain the library registers (SparseMatMul24 and future ops).</summary>
    public const string Domain = "com.onnxc";

    /// <summary>File name of the library on this platform.</summary>
    public static string FileName { get; } =
        OperatingSystem.IsWindows() ? "onnxc_customops.dll" : OperatingSystem.IsMacOS() ? "libonnxc_customops.dylib" : "libonnxc_customops.so";

    /// <summary>Environment variable that overrides where the library is looked for.</summary>
    public const string PathVariable = "ONNXC_CUSTOMOPS_LIBRARY";

    private static readonly Lazy<string?> Located = new(Search);

    /// <summary>The library's full path, or null when it was not built (see <see cref="SearchedLocations"/>).</summary>
    public static string? Path => Located.Value;

    /// <summary>The library's path, or an ONNXC0701 error saying where it was looked for and how to build it.</summary>
    public static string Require() => Path ?? throw new OnnxcException(DiagnosticIds.RuntimeFailed,
        $"the model uses {Domain} operators but the onnxc custom-op library ({FileName}) was not found",
        hint: $"run 'make native' (or 'make build'), or set {PathVariable}; looked in: {string.Join(", ", SearchedLocations())}");

    /// <summary>Whether a model imports the com.onnxc domain, i.e. needs the library to run.</summary>
    public static bool IsNeededBy(Model model) => model.OpsetImports.Any(o => o.Domain == Domain);

    /// <summary>
    /// Where the library is looked for, in order: $ONNXC_CUSTOMOPS_LIBRARY, next to the running program (the published
    /// CLI), then artifacts/bin/onnxc-app and artifacts/native of the first folder above holding Compiler.sln (tests).
    /// </summary>
    public static IEnumerable<string> SearchedLocations()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } overridden) yield return overridden;
        yield return System.IO.Path.Combine(AppContext.BaseDirectory, FileName);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(System.IO.Path.Combine(dir.FullName, "Compiler.sln"))) continue;
            yield return System.IO.Path.Combine(dir.FullName, "artifacts", "bin", "onnxc-app", FileName);
            yield return System.IO.Path.Combine(dir.FullName, "artifacts", "native", FileName);
            yield break;
        }
    }

    private static string? Search() => SearchedLocations().Select(System.IO.Path.GetFullPath).FirstOrDefault(File.Exists);
}

/// <summary>Registers onnxc's operators on ONNX Runtime sessions.</summary>
public static class SessionOptionsExtensions
{
    /// <summary>
    /// Registers the com.onnxc operators on these session options; throws ONNXC0701 when the library is missing.
    /// Create the first session that uses them before creating others in parallel: ONNX Runtime adds the domain to a
    /// process-wide schema registry then, and concurrent first registrations fail (onnxc's OrtRunner serializes them).
    /// </summary>
    public static SessionOptions RegisterOnnxcOps(this SessionOptions options)
    {
        options.RegisterCustomOpLibrary(CustomOpLibrary.Require());
        return options;
    }
}

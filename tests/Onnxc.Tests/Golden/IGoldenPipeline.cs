using Onnxc.Ir;

namespace Onnxc.Tests.Golden;

/// <summary>
/// What a golden file's "// RUN: name args" line runs. Implementations in this test assembly (public, with a
/// parameterless constructor) are found by <see cref="Name"/>; the pass framework adds "passes" this way.
/// </summary>
public interface IGoldenPipeline
{
    /// <summary>The first word after "RUN:" ("print", "passes").</summary>
    string Name { get; }

    /// <summary>Transforms the parsed input; <paramref name="arguments"/> is the rest of the RUN line ("fuse-gelu,cse").</summary>
    Model Run(Model model, string arguments);
}

/// <summary>"// RUN: print": no transformation, so the file checks how the input parses and prints.</summary>
public sealed class PrintGoldenPipeline : IGoldenPipeline
{
    public string Name => "print";

    public Model Run(Model model, string arguments) => model;
}

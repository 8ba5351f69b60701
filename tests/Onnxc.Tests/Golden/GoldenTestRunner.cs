using System.Text.RegularExpressions;
using Onnxc.Ir;
using Onnxc.Ir.Text;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Golden;

/// <summary>
/// Runs every tests/Onnxc.Tests/Golden/**/*.onnxtxt: parse the file (a model, or a single graph), run each
/// "// RUN:" pipeline, print the result, and check it against the file's CHECK lines. A new case is a new file.
/// </summary>
public partial class GoldenTestRunner
{
    private static string GoldenRoot => Path.Combine(SharedData.ProjectRoot, "tests", "Onnxc.Tests", "Golden");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(GoldenRoot, "*.onnxtxt", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(GoldenRoot, file).Replace('\\', '/'));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Golden(string file)
    {
        var text = File.ReadAllText(Path.Combine(GoldenRoot, file)).ReplaceLineEndings("\n");
        var runs = new List<(string Pipeline, string Arguments, int Line)>();
        var checks = new List<CheckLine>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var match = Directive().Match(lines[i]);
            if (!match.Success) continue;
            var (kind, body) = (match.Groups[1].Value, match.Groups[2].Value.Trim());
            if (kind == "RUN")
            {
                var parts = body.Split(' ', 2, StringSplitOptions.TrimEntries);
                runs.Add((parts[0], parts.Length > 1 ? parts[1] : "", i + 1));
            }
            else checks.Add(new CheckLine(kind, body, i + 1));
        }
        Assert.True(runs.Count > 0, $"{file} has no '// RUN:' line");
        Assert.True(checks.Any(c => c.Kind != "CHECK-NOT"), $"{file} has no CHECK line, so it could not fail");

        bool isModel = ModelStart().IsMatch(text);
        foreach (var (name, arguments, line) in runs)
        {
            var pipeline = FindPipeline(name, file, line);
            using var model = isModel ? IrParser.ParseModel(text) : new Model(IrParser.ParseGraph(text));
            var result = pipeline.Run(model, arguments);
            var output = isModel ? IrPrinter.Print(result) : IrPrinter.Print(result.Graph);
            var failure = FileCheck.Run(checks, output);
            Assert.True(failure is null, $"{file} (RUN at line {line}: {name} {arguments})\n{failure}");
        }
    }

    /// <summary>The pipeline a RUN line names; fails the test, saying how to add one, when none is registered.</summary>
    public static IGoldenPipeline FindPipeline(string name, string file, int line)
    {
        var pipeline = Pipelines.GetValueOrDefault(name);
        Assert.True(pipeline is not null,
            $"{file}:{line}: no IGoldenPipeline named '{name}' is registered (known: {string.Join(", ", Pipelines.Keys.Order())}); add a class implementing IGoldenPipeline to the test project");
        return pipeline!;
    }

    /// <summary>Pipelines by name: every public IGoldenPipeline with a parameterless constructor in this assembly.</summary>
    private static readonly Dictionary<string, IGoldenPipeline> Pipelines = typeof(GoldenTestRunner).Assembly.GetTypes()
        .Where(t => typeof(IGoldenPipeline).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (IGoldenPipeline)Activator.CreateInstance(t)!)
        .ToDictionary(p => p.Name, StringComparer.Ordinal);

    [GeneratedRegex(@"^\s*//\s*(RUN|CHECK|CHECK-NEXT|CHECK-NOT):(.*)$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^(\s*(//[^\n]*)?\n)*\s*model\b")]
    private static partial Regex ModelStart();
}
